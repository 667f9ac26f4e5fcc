// The page the browser test runs: a database a Node process wrote, read through bucketkit/db/browser
// over httpStorage (anonymous reads of the gateway).
import { Database } from '../../src/db/browser.js';
import { httpStorage } from '../../src/storage/browser.js';
import { codeOf, report } from './page-kit.js';

declare const __BUCKET_URL__: string;

report(async () => {
  const storage = httpStorage({ url: __BUCKET_URL__ });
  const db = await new Database({ storage, passphrase: 'browser-test', iterations: 100_000 }).connect();
  const people = db.resource('people');
  const all: string[] = [];
  for await (const doc of people.list()) all.push(String(doc.id));
  return {
    resources: db.resources(),
    ada: await people.get('ada'),
    usIds: (await people.query({ country: 'US' })).map((doc) => doc.id).sort(),
    count: await people.count(),
    listed: all,
    insert: await codeOf(people.insert({ id: 'eve', name: 'Eve', country: 'US' })),
    connectionString: await codeOf(
      Promise.resolve().then(() => new Database({ connectionString: 'file://./x' })),
    ),
  };
});
