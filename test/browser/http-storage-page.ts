// The page the browser test runs: bundled for the browser with the storage module's browser entry.
import { httpStorage, instrumented } from '../../src/storage/browser.js';
import { codeOf, report, sha256 } from './page-kit.js';

declare const __BUCKET_URL__: string;
declare const __PRIVATE_URL__: string;
declare const __CREDENTIALS__: { accessKeyId: string; secretAccessKey: string };

report(async () => {
  const port = instrumented(httpStorage({ url: __BUCKET_URL__ }));
  const got = await port.get('docs/big.bin');
  const whole = await got.bytes();
  const ranged = await (await port.get('docs/big.bin', { range: { start: 1000, end: 70_999 } })).bytes();
  const keys: string[] = [];
  for await (const entry of port.list({ prefix: 'many/' })) if (entry.type === 'object') keys.push(entry.key);
  return {
    size: got.size,
    etag: got.etag,
    metadata: got.metadata,
    contentType: got.contentType,
    wholeSha256: await sha256(whole),
    rangedLength: ranged.byteLength,
    rangedSha256: await sha256(ranged),
    keys: keys.length,
    sorted: keys.every((key, i) => i === 0 || keys[i - 1]! < key),
    missing: await codeOf(port.get('docs/missing')),
    write: await codeOf(port.put('docs/new', 'x')),
    calls: port.usage().operations,
    // SigV4 with Web Crypto: a private bucket, through a CORS preflight
    signed: await (
      await httpStorage({ url: __PRIVATE_URL__, credentials: __CREDENTIALS__ }).get('secret.txt')
    ).text(),
    unsigned: await codeOf(httpStorage({ url: __PRIVATE_URL__ }).get('secret.txt')),
  };
});
