// The page the browser test runs: a database a Node process wrote, read through bucketkit/db/browser
// over httpStorage (anonymous reads of the gateway).
import { Database } from '../../src/db/browser.js';
import { BucketkitError, httpStorage } from '../../src/storage/browser.js';

declare const __BUCKET_URL__: string;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return BucketkitError.is(err) ? err.code : `untyped: ${String(err)}`;
  }
}

async function main() {
  const storage = httpStorage({ url: __BUCKET_URL__ });
  const db = await new Database({ storage, passphrase: 'browser-test', iterations: 100_000 }).connect();
  const people = db.resource('people');
  const ada = await people.get('ada');
  const us = await people.query({ country: 'US' });
  const all: string[] = [];
  for await (const doc of people.list()) all.push(String(doc.id));
  const result = {
    resources: db.resources(),
    ada,
    usIds: us.map((doc) => doc.id).sort(),
    count: await people.count(),
    listed: all,
    insert: await codeOf(people.insert({ id: 'eve', name: 'Eve', country: 'US' })),
    connectionString: await codeOf(
      Promise.resolve().then(() => new Database({ connectionString: 'file://./x' })),
    ),
  };
  await fetch('/result', { method: 'POST', body: JSON.stringify(result) });
}

main().catch((err: unknown) =>
  fetch('/result', { method: 'POST', body: JSON.stringify({ error: String((err as Error)?.stack ?? err) }) }),
);
