import { describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { ACCESS_KEY, bucketPort, SECRET_KEY, startGateway } from '../gateway/support.js';
import { runPage } from './chromium.js';
import { sha256 } from './page-kit.js';

describe('httpStorage in a browser (headless Chromium)', () => {
  it('bundles without Node modules; reads, ranges and lists a public bucket and a private one (SigV4) across origins', async () => {
    const gw = await startGateway({
      allowAnonymous: true,
      cors: { origins: '*', exposeHeaders: ['ETag', 'Content-Range', 'Content-Length', 'x-amz-meta-owner'] },
    });
    const closed = await startGateway({ cors: { origins: '*' } });
    const writer = await bucketPort(gw, 'public');
    const owner = await bucketPort(closed, 'private');
    try {
      await owner.put('secret.txt', 'for signed eyes only');
      const big = pseudoRandomBytes(300_000, 11);
      const { etag } = await writer.put('docs/big.bin', big, {
        metadata: { owner: 'ada' },
        contentType: 'application/x-test',
      });
      await Promise.all(
        Array.from({ length: 1003 }, (_, i) => writer.put(`many/${String(i).padStart(4, '0')}`, `${i}`)),
      );
      const answer = await runPage(new URL('./http-storage-page.ts', import.meta.url), {
        __BUCKET_URL__: `${gw.endpoint}/public`,
        __PRIVATE_URL__: `${closed.endpoint}/private`,
        __CREDENTIALS__: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      });
      expect(answer.error).toBeUndefined();
      expect(answer).toMatchObject({
        size: big.byteLength,
        etag,
        metadata: { owner: 'ada' },
        contentType: 'application/x-test',
        wholeSha256: await sha256(big),
        rangedLength: 70_000,
        rangedSha256: await sha256(big.subarray(1000, 71_000)),
        keys: 1003,
        sorted: true,
        missing: 'NotFound',
        write: 'Unsupported',
        signed: 'for signed eyes only',
        unsigned: 'AccessDenied',
      });
      // the listing paged by itself: 1,003 keys at 1,000 per page is two ListObjectsV2 requests
      expect(gw.requests.filter((r) => /^GET \/public\/\?list-type=2.* 200$/.test(r))).toHaveLength(2);
      expect((answer.calls as Record<string, { calls: number }>).get?.calls).toBe(3);
    } finally {
      await writer.close?.();
      await owner.close?.();
      await gw.stop();
      await closed.stop();
    }
  }, 120_000);
});
