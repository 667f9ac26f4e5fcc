import { describe, expect, it } from 'vitest';
import { delta } from '../../src/delta/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { runPage } from './chromium.js';
import { sha256 } from './page-kit.js';

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
    const storage = await bucketPort(gw, 'artifacts');
    try {
      const releases = delta(storage);
      const [v0, v1, v2] = versions();
      const stored = {
        'releases/app-1.0.zip': v0!,
        'releases/app-1.1.zip': v1!,
        'releases/app-1.2.zip': v2!,
      };
      for (const [key, bytes] of Object.entries(stored)) await releases.put(key, bytes);
      const answer = (await runPage(new URL('./delta-page.ts', import.meta.url), {
        __BUCKET_URL__: `${gw.endpoint}/artifacts`,
      })) as {
        error?: string;
        keys: string[];
        sums: Record<string, string>;
        rangedSha256: string;
        bytesRead: number;
      };
      expect(answer.error).toBeUndefined();
      expect(answer.keys).toEqual(Object.keys(stored));
      const sums = await Promise.all(Object.entries(stored).map(async ([k, v]) => [k, await sha256(v)]));
      expect(answer.sums).toEqual(Object.fromEntries(sums));
      expect(answer.rangedSha256).toBe(await sha256(v2!.subarray(1000, 2000)));
      // 1.2 MB returned from one read of the 400 KB reference (the memory reference cache) and deltas
      // of a few KB each (measured: 419 KB read in all)
      expect(answer.bytesRead).toBeLessThan(v0!.byteLength + 40_000);
    } finally {
      await storage.close?.();
      await gw.stop();
    }
  }, 120_000);
});
