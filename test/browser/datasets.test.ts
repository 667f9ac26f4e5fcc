import { describe, expect, it } from 'vitest';
import { datasets, tarBytes, uploadDatarange } from '../../src/datasets/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { runPage } from './chromium.js';
import { sha256 } from './page-kit.js';

const name = (n: number) => `${String(n).padStart(20, '0')}.bin`;
const body = (n: number) => pseudoRandomBytes(1000 + (n % 7) * 300, n);

describe('bucketkit/datasets/browser in a browser (headless Chromium)', () => {
  it('reads datapoints (one ranged GET each once indexed), ranges across dataranges and coverage', async () => {
    const gw = await startGateway({ allowAnonymous: true, cors: { origins: '*', exposeHeaders: ['*'] } });
    const storage = await bucketPort(gw, 'data');
    try {
      const ds = await datasets(storage).create('frames');
      // two dataranges, 1..100 and 101..200, then a gap before 301..310
      for (const [first, count] of [
        [1, 100],
        [101, 100],
        [301, 10],
      ] as const) {
        const entries = Array.from({ length: count }, (_, i) => ({
          name: name(first + i),
          body: body(first + i),
        }));
        await uploadDatarange(ds, tarBytes(entries));
      }
      const answer = await runPage(new URL('./datasets-page.ts', import.meta.url), {
        __BUCKET_URL__: `${gw.endpoint}/data`,
      });
      expect(answer.error).toBeUndefined();
      const span = Array.from({ length: 11 }, (_, i) => 95 + i);
      expect(answer).toMatchObject({
        listed: [{ name: 'frames', dataranges: 3, datapoints: '210', first: '1', last: '310' }],
        point: await sha256(body(150)),
        names: span.map(name),
        sums: await Promise.all(span.map((n) => sha256(body(n)))),
        coverage: {
          present: [
            { first: '1', last: '200' },
            { first: '301', last: '310' },
          ],
          gaps: [{ first: '201', last: '300' }],
        },
        missing: 'NotFound',
      });
      // datapoint 150 is in the second datarange: its index, then the datapoint; 151 is one ranged GET
      expect(answer.getsForOne).toBe(2);
      expect(answer.getsForNext).toBe(1);
    } finally {
      await storage.close?.();
      await gw.stop();
    }
  }, 120_000);
});
