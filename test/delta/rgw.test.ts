import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaSpace, delta } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import { type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';
import { versionPair } from './edits.js';
import { xdelta3Decode } from './xdelta3.js';

const { source: v1, target: v2 } = versionPair(300_000, 95);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('delta on Ceph RGW (real conditional writes)', () => {
  let server: S3Server;
  let port: StoragePort;
  beforeAll(async () => {
    server = await startCephRgw('test');
    port = s3Storage({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  }, 300_000);
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('two concurrent first puts: one reference.bin, both files read back exact', async () => {
    const a = new DeltaSpace(port, { prefix: 'race' });
    const b = new DeltaSpace(port, { prefix: 'race' });
    const [ra, rb] = await Promise.all([a.put('one.zip', v1), b.put('two.zip', v2)]);
    expect([ra.createdReference, rb.createdReference].filter(Boolean)).toHaveLength(1);
    expect(same(await b.get('one.zip'), v1)).toBe(true);
    expect(same(await a.get('two.zip'), v2)).toBe(true);
    // What DeltaGlider runs on read: xdelta3 -d against reference.bin.
    const ref = await (await port.get('race/reference.bin')).bytes();
    const stored = await (await port.get('race/two.zip.delta')).bytes();
    expect(same(xdelta3Decode(ref, stored), v2)).toBe(true);
  }, 60_000);

  it('delta(s3) round-trips archives with original sizes in listings', async () => {
    const wrapped = delta(port, { prefixes: ['wrapped/'] });
    await wrapped.put('wrapped/app/a.zip', v1, { metadata: { build: '1' } });
    await wrapped.put('wrapped/app/b.zip', v2);
    const listed: string[] = [];
    for await (const e of wrapped.list({ prefix: 'wrapped/' }))
      if (e.type === 'object') listed.push(`${e.key}:${e.size}`);
    expect(listed).toEqual([`wrapped/app/a.zip:${v1.length}`, `wrapped/app/b.zip:${v2.length}`]);
    expect((await wrapped.head('wrapped/app/a.zip')).metadata).toEqual({ build: '1' });
    expect(same(await (await wrapped.get('wrapped/app/b.zip')).bytes(), v2)).toBe(true);
  }, 60_000);
});

describe('delta on s3rver (no conditional writes)', () => {
  it('an archive put fails with Unsupported that says what to do; other files work', async () => {
    const server = await startS3rver('test');
    const port = s3Storage({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      listApi: 'v1',
    });
    try {
      const space = new DeltaSpace(port, { prefix: 'p' });
      const err = await space.put('a.zip', v1).catch((e) => e);
      expect(BucketkitError.is(err, 'Unsupported')).toBe(true);
      expect(err.message).toMatch(/conditional writes/);
      await space.put('notes.txt', v1);
      expect(same(await space.get('notes.txt'), v1)).toBe(true);
    } finally {
      await port.close?.();
      await server.stop();
    }
  }, 60_000);
});
