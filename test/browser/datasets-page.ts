// The page the browser test runs: datasets a Node process wrote, read through bucketkit/datasets/browser
// over httpStorage (anonymous reads of the gateway).
import { coverage, datasets, get, range } from '../../src/datasets/browser.js';
import { BucketkitError, httpStorage, instrumented } from '../../src/storage/browser.js';

declare const __BUCKET_URL__: string;

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array) =>
  hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

async function main() {
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
  let missing = 'resolved';
  try {
    await get(ds, 10_000);
  } catch (err) {
    missing = BucketkitError.is(err) ? err.code : String(err);
  }
  const result = {
    listed,
    point: await sha256(point),
    getsForOne,
    getsForNext,
    names,
    sums,
    coverage: JSON.parse(
      JSON.stringify(await coverage(ds), (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    ),
    missing,
  };
  await fetch('/result', { method: 'POST', body: JSON.stringify(result) });
}

main().catch((err: unknown) =>
  fetch('/result', { method: 'POST', body: JSON.stringify({ error: String((err as Error)?.stack ?? err) }) }),
);
