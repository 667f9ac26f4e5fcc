import { createHash } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { s3Storage } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway } from '../gateway/support.js';
import { runInChromium } from './chromium.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('httpStorage in a browser (headless Chromium)', () => {
  it('bundles without Node modules; reads, ranges and lists a public bucket and a private one (SigV4) across origins', async () => {
    const gw = await startGateway({
      allowAnonymous: true,
      cors: { origins: '*', exposeHeaders: ['ETag', 'Content-Range', 'Content-Length', 'x-amz-meta-owner'] },
    });
    const closed = await startGateway({ cors: { origins: '*' } });
    const owner = s3Storage({
      bucket: 'private',
      endpoint: closed.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    const writer = s3Storage({
      bucket: 'public',
      endpoint: gw.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    try {
      await sdkClient(gw.endpoint).send(new CreateBucketCommand({ Bucket: 'public' }));
      await sdkClient(closed.endpoint).send(new CreateBucketCommand({ Bucket: 'private' }));
      await owner.put('secret.txt', 'for signed eyes only');
      const big = pseudoRandomBytes(300_000, 11);
      const { etag } = await writer.put('docs/big.bin', big, {
        metadata: { owner: 'ada' },
        contentType: 'application/x-test',
      });
      await Promise.all(
        Array.from({ length: 1003 }, (_, i) => writer.put(`many/${String(i).padStart(4, '0')}`, `${i}`)),
      );
      const bundle = await build({
        entryPoints: [new URL('./http-storage-page.ts', import.meta.url).pathname],
        bundle: true,
        platform: 'browser', // a node: import anywhere in the graph fails the build
        format: 'esm',
        write: false,
        logLevel: 'silent',
        define: {
          __BUCKET_URL__: JSON.stringify(`${gw.endpoint}/public`),
          __PRIVATE_URL__: JSON.stringify(`${closed.endpoint}/private`),
          __CREDENTIALS__: JSON.stringify({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
        },
      });
      const answer = (await runInChromium({
        '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
        '/page.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.contents },
      })) as Record<string, unknown>;
      expect(answer.error).toBeUndefined();
      expect(answer).toMatchObject({
        size: big.byteLength,
        etag,
        metadata: { owner: 'ada' },
        contentType: 'application/x-test',
        wholeSha256: sha256(big),
        rangedLength: 70_000,
        rangedSha256: sha256(big.subarray(1000, 71_000)),
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
