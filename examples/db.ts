/**
 * bucketkit/db: a document database on a storage port — typed resources, partitions, secret fields,
 * and updates that never lose each other. Run: npx tsx examples/db.ts
 */
import { Database } from '../src/db/index.js';
import { BucketkitError, connect, instrumented, type StoragePort } from '../src/index.js';

export async function dbTour(port: StoragePort, log = console.log): Promise<void> {
  const storage = instrumented(port);
  const db = await new Database({ storage, passphrase: 'demo passphrase, use a real secret' }).connect();
  const users = await db.createResource({
    name: 'users',
    attributes: {
      name: 'string|required',
      email: 'string|required|email',
      country: 'string',
      visits: 'number',
      apiKey: 'secret',
    },
    partitions: { byCountry: ['country'] },
    timestamps: true,
  });
  const countries = ['US', 'USA', 'BR', 'DE'];
  for (let i = 0; i < 20; i++) {
    await users.insert({
      id: `user-${i}`,
      name: `User ${i}`,
      email: `user${i}@example.com`,
      country: countries[i % countries.length] ?? 'US',
      visits: 0,
      apiKey: `key-${i}`,
    });
  }
  log(`inserted ${await users.count()} users`);
  const invalid = await users.insert({ name: 'Bad', email: 'not-an-email' }).catch((err: unknown) => err);
  log(`an invalid email is refused: ${BucketkitError.is(invalid) ? invalid.code : 'no'}`);
  storage.reset();
  const us = await users.query({ country: 'US' });
  log(
    `partition query country=US: ${us.length} users (USA is a different partition), ${storage.usage().requests} requests`,
  );
  const user3 = await users.get('user-3');
  log(`user-3's secret reads back decrypted: ${user3.apiKey === 'key-3'}`);
  await Promise.all(
    Array.from({ length: 10 }, () => users.update('user-1', (u) => ({ visits: (u.visits ?? 0) + 1 }))),
  );
  log(`visits after 10 concurrent updates: ${(await users.get('user-1')).visits}`);
  await db.disconnect();
}

if (import.meta.url === `file://${process.argv[1]}`) await dbTour(connect('file://./.bucketkit-demo/db'));
