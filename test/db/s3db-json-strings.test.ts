/**
 * s3db.js 21.6.2 reads any stored value that looks like JSON (`{…}`, `[…]`) as JSON, whatever the attribute's
 * type: a `string` field holding JSON text comes back from its get() as an object. A migration keeps such a
 * field as text (the JSON of what s3db.js returned), so the record fits the `string` schema instead of
 * stopping the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Database, migrateS3dbInPlace } from '../../src/db/index.js';
import { connect, fileStorage, type StoragePort } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { PASSPHRASE, type Row, writeWithS3db } from './s3db-fixture.js';

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

let server: S3Server;
let root: string;
let theirs: Map<string, Row>;

beforeAll(async () => {
  server = await startS3rver('s3db-json');
  root = await mkdtemp(join(tmpdir(), 'bk-s3db-json-'));
  const url = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/notes`;
  theirs = await writeWithS3db(url, [NOTES]);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The bucket s3db.js wrote, copied to a file port (migrations need conditional writes; s3rver ignores them). */
async function copyToFolder(): Promise<StoragePort> {
  const source = connect(
    `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/notes`,
  );
  const port = fileStorage(join(root, 'copy'), { durable: false });
  for await (const entry of source.list({})) {
    if (entry.type !== 'object') continue;
    const got = await source.get(entry.key);
    await port.put(entry.key, await got.bytes(), {
      metadata: got.metadata,
      ...(got.contentType ? { contentType: got.contentType } : {}),
    });
  }
  await source.close?.();
  return port;
}

it('migrates string fields s3db.js reads as JSON, keeping them as their JSON text', async () => {
  // what s3db.js itself returns: the JSON-looking strings as objects and arrays
  expect(theirs.get('notes/obj')?.body).toEqual({ a: 1, b: [true, null] });
  expect(theirs.get('notes/arr')?.body).toEqual([1, 2, 3]);
  const port = await copyToFolder();
  expect((await migrateS3dbInPlace(port, { passphrase: PASSPHRASE })).state).toBe('migrated');
  const db = await new Database({ storage: port, passphrase: PASSPHRASE }).connect();
  try {
    const notes = db.resource('notes');
    for (const { id } of NOTES.records) {
      const ours = await notes.get(id);
      const expected = theirs.get(`notes/${id}`)!;
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
