import { createHash } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { delta } from '../../src/delta/index.js';
import { s3Storage } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway } from '../gateway/support.js';
import { runInChromium } from './chromium.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Three versions of a 400 KB archive, each a few edits away from the last. */
function versions(): Uint8Array[] {
  const first = pseudoRandomBytes(400_000, 21);
  const second = first.slice();
  second.set(pseudoRandomBytes(3000, 22), 50_000);
  const third = new Uint8Array(second.byteLength + 5000);
  third.set(second.subarray(0, 200_000));
  third.set(pseudoRandomBytes(5000, 23), 200_000);
  third.set(second.subarray(200_000), 205_000);
  return [first, second, third];
}

describe('bucketkit/delta/browser in a browser (headless Chromium)', () => {
  it('rebuilds versions stored as deltas, whole and ranged, reading far fewer bytes than it returns', async () => {
    const gw = await startGateway({ allowAnonymous: true, cors: { origins: '*', exposeHeaders: ['*'] } });
    const storage = s3Storage({
      bucket: 'artifacts',
      endpoint: gw.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    try {
      await sdkClient(gw.endpoint).send(new CreateBucketCommand({ Bucket: 'artifacts' }));
      const releases = delta(storage);
      const [v0, v1, v2] = versions();
      const stored = {
        'releases/app-1.0.zip': v0!,
        'releases/app-1.1.zip': v1!,
        'releases/app-1.2.zip': v2!,
      };
      for (const [key, bytes] of Object.entries(stored)) await releases.put(key, bytes);
      const bundle = await build({
        entryPoints: [new URL('./delta-page.ts', import.meta.url).pathname],
        bundle: true,
        platform: 'browser', // a node: import anywhere in the graph fails the build
        format: 'esm',
        write: false,
        logLevel: 'silent',
        define: { __BUCKET_URL__: JSON.stringify(`${gw.endpoint}/artifacts`) },
      });
      const answer = (await runInChromium({
        '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
        '/page.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.contents },
      })) as {
        error?: string;
        keys: string[];
        sums: Record<string, string>;
        rangedSha256: string;
        bytesRead: number;
      };
      expect(answer.error).toBeUndefined();
      expect(answer.keys).toEqual(Object.keys(stored));
      expect(answer.sums).toEqual(Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, sha256(v)])));
      expect(answer.rangedSha256).toBe(sha256(v2!.subarray(1000, 2000)));
      // 1.2 MB returned from one read of the 400 KB reference (the memory reference cache) and deltas
      // of a few KB each (measured: 419 KB read in all)
      expect(answer.bytesRead).toBeLessThan(v0!.byteLength + 40_000);
    } finally {
      await storage.close?.();
      await gw.stop();
    }
  }, 120_000);
});
