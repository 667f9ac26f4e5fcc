import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/index.js';
import { s3Storage } from '../../src/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway } from '../gateway/support.js';
import { runInChromium } from './chromium.js';

describe('bucketkit/db/browser in a browser (headless Chromium)', () => {
  it('reads records, secrets, partitions and counts that Node wrote, over anonymous HTTP reads', async () => {
    // `*`: the page must see the x-amz-meta-* headers the records live in
    const gw = await startGateway({ allowAnonymous: true, cors: { origins: '*', exposeHeaders: ['*'] } });
    const storage = s3Storage({
      bucket: 'app',
      endpoint: gw.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    try {
      await sdkClient(gw.endpoint).send(new CreateBucketCommand({ Bucket: 'app' }));
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

      const bundle = await build({
        entryPoints: [new URL('./db-page.ts', import.meta.url).pathname],
        bundle: true,
        platform: 'browser', // a node: import anywhere in the graph fails the build
        format: 'esm',
        write: false,
        logLevel: 'silent',
        define: { __BUCKET_URL__: JSON.stringify(`${gw.endpoint}/app`) },
      });
      const answer = (await runInChromium({
        '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
        '/page.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.contents },
      })) as Record<string, unknown>;
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
