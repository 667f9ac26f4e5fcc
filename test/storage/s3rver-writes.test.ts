/**
 * The s3rver the tests run answers a PUT only after the object is on disk: with a slow disk (opening the
 * object's file delayed), a GET right after each PUT still finds the whole object. Without the fix in
 * test/support/servers.ts, s3rver 3.7 answered first, and a loaded CI machine saw a missing object once.
 */
import { close, createWriteStream, open, write, writev } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { s3Storage } from '../../src/storage/index.js';
import { type S3Server, s3rverFs, startS3rver } from '../support/servers.js';

let server: S3Server;
const original = s3rverFs.createWriteStream;

beforeAll(async () => {
  server = await startS3rver();
  // a slow disk: every object file opens 150 ms late
  s3rverFs.createWriteStream = (path: string) =>
    createWriteStream(path, {
      fs: {
        open: (...args: Parameters<typeof open>) => setTimeout(() => open(...args), 150),
        write,
        writev,
        close,
      },
    } as Parameters<typeof createWriteStream>[1]);
});

afterAll(async () => {
  s3rverFs.createWriteStream = original;
  await server.stop();
});

test('a GET right after a PUT finds the whole object, empty or not, on a slow disk', async () => {
  const port = s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  try {
    for (const [key, body] of [
      ['empty', ''],
      ['text', 'hello, slow disk'],
    ] as const) {
      await port.put(key, body, { metadata: { m: '1' } });
      const got = await port.get(key);
      expect([key, await got.text(), got.metadata.m]).toEqual([key, body, '1']);
    }
  } finally {
    await port.close?.();
  }
});
