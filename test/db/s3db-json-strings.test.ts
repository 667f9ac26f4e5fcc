/**
 * s3db.js 21.6.2 reads any stored value that looks like JSON (`{…}`, `[…]`) as JSON, whatever the attribute's
 * type: a `string` field holding JSON text comes back from its get() as an object. A migration keeps such a
 * field as text (the JSON of what s3db.js returned), so the record fits the `string` schema instead of
 * stopping the run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Database, migrateS3dbInPlace } from '../../src/db/index.js';
import { PASSPHRASE, type Row, writeWithS3db } from './s3db-fixture.js';
import { fileSource, type S3dbSource } from './s3db-sources.js';

const NOTES = {
  definition: {
    name: 'notes',
    attributes: { title: 'string', body: 'string', meta: { source: 'string' } },
    behavior: 'body-overflow',
  },
  records: [
    { id: 'obj', title: 'an object', body: '{"a":1,"b":[true,null]}', meta: { source: '{"x":"y"}' } },
    { id: 'arr', title: 'an array', body: '[1,2,3]', meta: { source: 'plain' } },
    { id: 'txt', title: 'plain text', body: 'no json {here}', meta: { source: '[not json' } },
  ],
};

let source: S3dbSource;

beforeAll(async () => {
  source = await fileSource((url) => writeWithS3db(url, [NOTES]));
}, 300_000);

afterAll(async () => {
  await source?.stop();
});

it('migrates string fields s3db.js reads as JSON, keeping them as their JSON text', async () => {
  // what s3db.js itself returns: the JSON-looking strings as objects and arrays
  expect(source.theirs.get('notes/obj')?.body).toEqual({ a: 1, b: [true, null] });
  expect(source.theirs.get('notes/arr')?.body).toEqual([1, 2, 3]);
  const port = await source.make(); // a copy on the file port (migrations need conditional writes)
  expect((await migrateS3dbInPlace(port, { passphrase: PASSPHRASE })).state).toBe('migrated');
  const db = await new Database({ storage: port, passphrase: PASSPHRASE }).connect();
  try {
    const notes = db.resource('notes');
    for (const { id } of NOTES.records) {
      const ours = await notes.get(id);
      const expected = source.theirs.get(`notes/${id}`)!;
      const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
      expect({ id, body: ours?.body, source: (ours?.meta as Row | undefined)?.source }).toEqual({
        id,
        body: text(expected.body),
        source: text((expected.meta as Row).source),
      });
      expect(typeof ours?.body).toBe('string');
    }
    expect((await notes.get('txt'))?.body).toBe('no json {here}');
  } finally {
    await db.disconnect();
  }
}, 300_000);
