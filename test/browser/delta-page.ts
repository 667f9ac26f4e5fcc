// The page the browser test runs: versions a Node process stored as deltas, read back through
// bucketkit/delta/browser over httpStorage (anonymous reads of the gateway).
import { delta } from '../../src/delta/browser.js';
import { httpStorage, instrumented } from '../../src/storage/browser.js';
import { report, sha256 } from './page-kit.js';

declare const __BUCKET_URL__: string;

report(async () => {
  const raw = instrumented(httpStorage({ url: __BUCKET_URL__ }));
  const releases = delta(raw);
  const keys: string[] = [];
  for await (const entry of releases.list({ prefix: 'releases/' }))
    if (entry.type === 'object') keys.push(entry.key);
  const sums: Record<string, string> = {};
  for (const key of keys) sums[key] = await sha256(await (await releases.get(key)).bytes());
  const ranged = await (
    await releases.get('releases/app-1.2.zip', { range: { start: 1000, end: 1999 } })
  ).bytes();
  return {
    keys,
    sums,
    rangedSha256: await sha256(ranged),
    bytesRead: raw.usage().operations.get?.bytesOut ?? -1,
  };
});
