import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BucketkitError,
  CHUNK,
  encrypted,
  fileStorage,
  type GetOptions,
  memoryStorage,
  type StoragePort,
  sealedSize,
} from '../../src/storage/index.js';
import { sdkGateway } from '../gateway/support.js';

/**
 * `encrypted(port, keys)` (issue #19 item 5): encryption at rest as a storage wrapper any module can
 * use. Bytes at rest are ciphertext, ranged reads fetch only the chunks they cover, tampering is
 * Corrupt, master keys rotate (old objects still read, `rewrap` moves them to the new key), and the
 * gateway's SSE-S3 objects and the wrapper's objects are the same format over the same folder.
 */
const K1 = randomBytes(32);
const K2 = randomBytes(32);
const marked = (size: number, marker: string) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 17) & 0xff;
  bytes.write(marker.slice(0, size), 0);
  return bytes;
};

async function filesContain(dir: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && (await readFile(join(entry.parentPath, entry.name))).includes(needle)) return true;
  }
  return false;
}

/** Records the byte ranges the wrapped port is asked for, and counts its HEADs. */
function recording(port: StoragePort): {
  port: StoragePort;
  gets: Array<GetOptions['range']>;
  heads: { count: number };
} {
  const gets: Array<GetOptions['range']> = [];
  const heads = { count: 0 };
  const watched = Object.create(port) as StoragePort;
  watched.get = (key, options) => {
    gets.push(options?.range);
    return port.get(key, options);
  };
  watched.head = (key, options) => {
    heads.count++;
    return port.head(key, options);
  };
  return { gets, heads, port: watched };
}

describe('encrypted(port, keys)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-encrypted-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips any size on a folder, with plaintext sizes and metadata; only ciphertext on disk', async () => {
    const port = encrypted(fileStorage(join(dir, 'a')), { keys: { k1: K1 } });
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5]) {
      const bytes = marked(size, `ENC-PLAINTEXT-${size}-`);
      const put = await port.put(`obj-${size}`, bytes, { metadata: { owner: 'ada' }, contentType: 'x/y' });
      expect(put.size).toBe(size);
      const got = await port.get(`obj-${size}`);
      expect([got.size, got.contentType, got.metadata]).toEqual([size, 'x/y', { owner: 'ada' }]);
      expect(Buffer.from(await got.bytes()).equals(bytes), String(size)).toBe(true);
      expect((await port.head(`obj-${size}`)).size).toBe(size);
    }
    const listed = new Map<string, number>();
    for await (const entry of port.list()) if (entry.type === 'object') listed.set(entry.key, entry.size);
    expect(listed.get(`obj-${3 * CHUNK + 5}`)).toBe(3 * CHUNK + 5);
    expect(listed.get('obj-0')).toBe(0);
    for (const size of [CHUNK, 3 * CHUNK + 5]) {
      expect(await filesContain(join(dir, 'a'), `ENC-PLAINTEXT-${size}-`)).toBe(false);
    }
    expect(await port.capabilities()).toMatchObject({ multipart: false, presign: false });
  });

  it('a ranged read is one request for only the chunks it covers and returns exactly the range (seed pinned)', async () => {
    const inner = recording(memoryStorage());
    const port = encrypted(inner.port, { keys: { k1: K1 } });
    const size = 5 * CHUNK + 123;
    const bytes = marked(size, 'RANGES-');
    await port.put('r', bytes);
    await fc.assert(
      fc.asyncProperty(fc.nat(size - 1), fc.nat(size - 1), async (a, b) => {
        const [start, end] = [Math.min(a, b), Math.max(a, b)];
        inner.gets.length = 0;
        inner.heads.count = 0;
        const got = await port.get('r', { range: { start, end } });
        expect(Buffer.from(await got.bytes()).equals(bytes.subarray(start, end + 1))).toBe(true);
        expect([got.range, got.size]).toEqual([{ start, end }, size]);
        // the chunks' GET alone: its answer carries the wrapped data key and the stored size
        expect([inner.gets.length, inner.heads.count]).toEqual([1, 0]);
        const fetched = inner.gets[0]!;
        const chunks = Math.floor(end / CHUNK) - Math.floor(start / CHUNK) + 1;
        expect(fetched.start).toBe(Math.floor(start / CHUNK) * (CHUNK + 16));
        expect(Math.min(fetched.end!, sealedSize(size) - 1) - fetched.start + 1).toBeLessThanOrEqual(
          chunks * (CHUNK + 16),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('open ranges, ranges past the end and empty objects: one request when answered, InvalidRange as before', async () => {
    const inner = recording(memoryStorage());
    const port = encrypted(inner.port, { keys: { k1: K1 } });
    const size = 2 * CHUNK + 10;
    const bytes = marked(size, 'OPEN-');
    await port.put('o', bytes);
    await port.put('empty', new Uint8Array());
    const read = async (key: string, range: GetOptions['range']) => {
      inner.gets.length = 0;
      inner.heads.count = 0;
      try {
        const got = await port.get(key, { range: range! });
        return {
          bytes: Buffer.from(await got.bytes()),
          range: got.range,
          requests: inner.gets.length + inner.heads.count,
        };
      } catch (err) {
        return {
          code: BucketkitError.is(err) ? err.code : String(err),
          requests: inner.gets.length + inner.heads.count,
        };
      }
    };
    for (const start of [0, CHUNK - 1, CHUNK, size - 1]) {
      const got = await read('o', { start });
      expect(got.bytes?.equals(bytes.subarray(start))).toBe(true);
      expect([got.range, got.requests]).toEqual([{ start, end: size - 1 }, 1]);
    }
    const past = await read('o', { start: size - 1, end: size + 5 * CHUNK });
    expect([past.bytes?.length, past.range, past.requests]).toEqual([
      1,
      { start: size - 1, end: size - 1 },
      1,
    ]);
    // inside the last sealed chunk but past the plaintext: the one answer tells; past the stored end: a HEAD tells
    expect(await read('o', { start: size })).toEqual({ code: 'InvalidRange', requests: 1 });
    expect(await read('o', { start: size + 5 * CHUNK })).toEqual({ code: 'InvalidRange', requests: 2 });
    expect(await read('empty', { start: 0 })).toEqual({ code: 'InvalidRange', requests: 1 });
    expect(await read('o', { start: 5, end: 4 })).toEqual({ code: 'InvalidArgument', requests: 0 });
    // cut at a chunk boundary: the last chunk read is not flagged last, so an open range fails
    const stored = await inner.port.get('o');
    const sealed = Buffer.from(await stored.bytes());
    expect(sealed.length).toBe(sealedSize(size));
    await inner.port.put('o', sealed.subarray(0, 2 * (CHUNK + 16)), { metadata: stored.metadata });
    expect((await read('o', { start: CHUNK + 3 })).code).toBe('Corrupt');
  });

  it('a changed byte, a cut body, a plaintext object or a missing master key is an error, never other bytes', async () => {
    const inner = memoryStorage();
    const port = encrypted(inner, { keys: { k1: K1 } });
    const bytes = marked(2 * CHUNK + 10, 'TAMPER-');
    await port.put('t', bytes);
    const stored = await inner.get('t');
    const sealed = Buffer.from(await stored.bytes());
    const code = async (p: Promise<{ bytes(): Promise<Uint8Array> }>) => {
      try {
        await (await p).bytes();
        return 'read';
      } catch (err) {
        return BucketkitError.is(err) ? err.code : String(err);
      }
    };
    const flipped = Buffer.from(sealed);
    flipped[CHUNK + 40]! ^= 1;
    await inner.put('t', flipped, { metadata: stored.metadata });
    expect(await code(port.get('t'))).toBe('Corrupt');
    expect(await code(port.get('t', { range: { start: CHUNK + 5, end: CHUNK + 9 } }))).toBe('Corrupt');
    await inner.put('t', sealed.subarray(0, CHUNK + 16), { metadata: stored.metadata });
    expect(await code(port.get('t'))).toBe('Corrupt');
    await inner.put('plain', 'not sealed');
    expect(await code(port.get('plain'))).toBe('Corrupt');
    await inner.put('t', sealed, { metadata: stored.metadata });
    expect(await code(port.get('t'))).toBe('read');
    expect(await code(encrypted(inner, { keys: { k2: K2 } }).get('t'))).toBe('AccessDenied');
    // another key under the same id fails to unwrap the data key
    expect(await code(encrypted(inner, { keys: { k1: K2 } }).get('t'))).toBe('Corrupt');
    expect(() => encrypted(inner, { keys: { k1: K1.subarray(0, 16) } })).toThrow(/32 bytes/);
  });

  it('rotates: a new active key writes, old objects still read, rewrap moves them without rewriting the bytes', async () => {
    const folder = fileStorage(join(dir, 'rot'));
    const before = encrypted(folder, { keys: { k1: K1 } });
    const bytes = marked(CHUNK + 7, 'ROTATE-');
    await before.put('old', bytes, { metadata: { a: '1' } });
    const rotated = encrypted(folder, { keys: { k1: K1, k2: K2 }, activeKey: 'k2' });
    await rotated.put('new', bytes);
    expect(
      await encrypted(folder, { keys: { k1: K1 } })
        .get('new')
        .catch((e) => e.code),
    ).toBe('AccessDenied');
    expect(Buffer.from(await (await rotated.get('old')).bytes()).equals(bytes)).toBe(true);
    expect(await rotated.rewrap('old')).toBe(true);
    expect(await rotated.rewrap('old')).toBe(false);
    const onlyK2 = encrypted(folder, { keys: { k2: K2 } });
    const got = await onlyK2.get('old');
    expect(got.metadata).toEqual({ a: '1' });
    expect(Buffer.from(await got.bytes()).equals(bytes)).toBe(true);
    // a copy with replaced metadata keeps the seal
    await onlyK2.copy('old', 'copied', { metadata: { b: '2' } });
    const copied = await onlyK2.get('copied');
    expect(copied.metadata).toEqual({ b: '2' });
    expect(Buffer.from(await copied.bytes()).equals(bytes)).toBe(true);
  });
});

describe('encrypted() and the gateway share the SSE-S3 format', () => {
  const keys = { k1: K1 };
  const t = sdkGateway({ encryption: { keys, activeKey: 'k1' } }, 'shared');

  it('the wrapper reads what the gateway sealed, and the gateway serves what the wrapper sealed', async () => {
    const folder = encrypted(fileStorage(join(t.gw.root, 'shared')), { keys });
    const fromGateway = marked(CHUNK + 99, 'GATEWAY-SEALED-');
    await t.s3.send(
      new PutObjectCommand({
        Bucket: 'shared',
        Key: 'g.bin',
        Body: fromGateway,
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(Buffer.from(await (await folder.get('g.bin')).bytes()).equals(fromGateway)).toBe(true);
    const fromWrapper = marked(2 * CHUNK + 1, 'WRAPPER-SEALED-');
    await folder.put('w.bin', fromWrapper);
    const got = await t.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'w.bin' }));
    expect([got.ServerSideEncryption, got.ContentLength]).toEqual(['AES256', fromWrapper.length]);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(fromWrapper)).toBe(true);
    expect(await filesContain(join(t.gw.root, 'shared'), 'GATEWAY-SEALED-')).toBe(false);
    expect(await filesContain(join(t.gw.root, 'shared'), 'WRAPPER-SEALED-')).toBe(false);
  });
});
