import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/index.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { runPage } from './chromium.js';

describe('bucketkit/db/browser in a browser (headless Chromium)', () => {
  it('reads records, secrets, partitions and counts that Node wrote, over anonymous HTTP reads', async () => {
    // `*`: the page must see the x-amz-meta-* headers the records live in
    const gw = await startGateway({ allowAnonymous: true, cors: { origins: '*', exposeHeaders: ['*'] } });
    const storage = await bucketPort(gw, 'app');
    try {
      const db = await new Database({ storage, passphrase: 'browser-test', iterations: 100_000 }).connect();
      const people = await db.createResource({
        name: 'people',
        attributes: { name: 'string|required', country: 'string', motto: 'string', token: 'secret' },
        partitions: { byCountry: ['country'] },
      });
      const motto = 'Ünïcödé, long enough to spill into the body: '.repeat(60);
      await people.insert({ id: 'ada', name: 'Ada', country: 'UK', motto, token: 't0k3n' });
      await people.insert({ id: 'bob', name: 'Bob', country: 'US', token: 'b0b' });
      await people.insert({ id: 'cy', name: 'Cy', country: 'USA', token: 'cy' });
      await people.insert({ id: 'dee', name: 'Dee', country: 'US', token: 'd' });
      const expected = await people.get('ada');

      const answer = await runPage(new URL('./db-page.ts', import.meta.url), {
        __BUCKET_URL__: `${gw.endpoint}/app`,
      });
      expect(answer.error).toBeUndefined();
      expect(answer.ada).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(answer).toMatchObject({
        resources: ['people'],
        ada: { name: 'Ada', country: 'UK', motto, token: 't0k3n' },
        usIds: ['bob', 'dee'],
        count: 4,
        listed: ['ada', 'bob', 'cy', 'dee'],
        insert: 'Unsupported',
        connectionString: 'Unsupported',
      });
      expect(await people.exists('eve')).toBe(false);
    } finally {
      await storage.close?.();
      await gw.stop();
    }
  }, 120_000);
});
