// The page the browser test runs: datasets a Node process wrote, read through bucketkit/datasets/browser
// over httpStorage (anonymous reads of the gateway).
import { coverage, datasets, get, range } from '../../src/datasets/browser.js';
import { httpStorage, instrumented } from '../../src/storage/browser.js';
import { codeOf, report, sha256 } from './page-kit.js';

declare const __BUCKET_URL__: string;

report(async () => {
  const port = instrumented(httpStorage({ url: __BUCKET_URL__ }));
  const catalog = datasets(port);
  const listed = (await catalog.list()).map((info) => ({
    ...info,
    datapoints: String(info.datapoints),
    first: String(info.first),
    last: String(info.last),
  }));
  const ds = catalog.open('frames');
  await get(ds, 5); // caches the manifest and the datarange's index
  const before = port.usage().operations.get?.calls ?? 0;
  const point = await get(ds, 150);
  const getsForOne = (port.usage().operations.get?.calls ?? 0) - before;
  await get(ds, 151);
  const getsForNext = (port.usage().operations.get?.calls ?? 0) - before - getsForOne;
  const names: string[] = [];
  const sums: string[] = [];
  for await (const p of range(ds, 95, 105)) {
    names.push(p.name);
    sums.push(await sha256(p.body));
  }
  return {
    listed,
    point: await sha256(point),
    getsForOne,
    getsForNext,
    names,
    sums,
    coverage: JSON.parse(
      JSON.stringify(await coverage(ds), (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    ),
    missing: await codeOf(get(ds, 10_000)),
  };
});
