/**
 * The browser entries: a Node process writes a database and a dataset into a folder served by the
 * gateway; a reader that has nothing but `fetch` (a web page; here Node plays it) reads them through
 * `bucketkit/storage/browser`, `bucketkit/db/browser` and `bucketkit/datasets/browser`.
 * Run: npx tsx examples/browser.ts
 */
import { join } from 'node:path';
import { datasets as browserDatasets, get as browserGet } from '../src/datasets/browser.js';
import { datasets, tarBytes, uploadDatarange } from '../src/datasets/index.js';
import { Database as BrowserDatabase } from '../src/db/browser.js';
import { Database } from '../src/db/index.js';
import { createGateway, staticBuckets } from '../src/gateway/index.js';
import { fileStorage } from '../src/index.js';
import { BucketkitError, httpStorage } from '../src/storage/browser.js';

export async function browserTour(root = './.bucketkit-demo/browser', log = console.log): Promise<void> {
  const folder = fileStorage(join(root, 'public'));
  // what the writer does, in Node, straight on the folder
  const db = await new Database({ storage: folder }).connect();
  const books = await db.createResource({
    name: 'books',
    attributes: { title: 'string|required', lang: 'string' },
    partitions: { byLang: ['lang'] },
  });
  await books.insert({ id: 'dune', title: 'Dune', lang: 'en' });
  await books.insert({ id: 'solaris', title: 'Solaris', lang: 'pl' });
  const frames = await datasets(folder).create('frames');
  await uploadDatarange(
    frames,
    tarBytes(
      Array.from({ length: 10 }, (_, i) => ({
        name: `${String(i + 1).padStart(20, '0')}.txt`,
        body: new TextEncoder().encode(`frame ${i + 1}`),
      })),
    ),
  );

  // the folder as a public bucket: anonymous reads, any origin may read it (and its x-amz-meta-* headers)
  const server = await createGateway({
    buckets: staticBuckets({ public: folder }),
    credentials: [{ accessKeyId: 'writer', secretAccessKey: 'writer-secret-key' }],
    allowAnonymous: true,
    cors: { origins: '*', exposeHeaders: ['*'] },
  }).listen(0, '127.0.0.1');
  try {
    // what a page does: fetch only
    const reader = httpStorage({ url: `${server.endpoint}/public` });
    const pageDb = await new BrowserDatabase({ storage: reader }).connect();
    const polish = await pageDb.resource('books').query({ lang: 'pl' });
    log(`a page read the db: ${polish.map((b) => b.title).join(', ')} (partition byLang=pl)`);
    const point = await browserGet(browserDatasets(reader).open('frames'), 7);
    log(`a page read datapoint 7: "${new TextDecoder().decode(point)}"`);
    const refused = await reader.put('graffiti.txt', 'x').catch((err: unknown) => err);
    log(`a page cannot write: ${BucketkitError.is(refused) ? refused.code : 'wrote!'}`);
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await browserTour();
