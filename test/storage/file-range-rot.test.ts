import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BucketkitError, type FileStoragePort, fileStorage } from '../../src/index.js';
import { LEAF } from '../../src/storage/file/block-sums.js';
import { readRecordNow } from '../../src/storage/file/record.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { dataFileOf, flip, payload, sandboxes } from './file-rot-support.js';

/**
 * Bit rot under ranged reads of the file port's data files: every read checks the bytes it hands on
 * against the block checksums the write recorded (16 KiB blocks for objects up to 16 MiB, larger
 * groups past that), so a read touching a damaged block is `Corrupt` naming the key and a read of
 * other blocks returns its bytes exactly. Objects written before block checksums read as they did.
 */
const sandbox = sandboxes('bk-file-range-rot-');

type Range = [start: number, end: number];

/** A range read through bytes() and through the stream: the bytes, or the typed error. */
async function readRange(port: FileStoragePort, key: string, [start, end]: Range) {
  const viaBytes = await port
    .get(key, { range: { start, end } })
    .then((r) => r.bytes())
    .catch((err: unknown) => err);
  const chunks: Uint8Array[] = [];
  const viaStream = await port
    .get(key, { range: { start, end } })
    .then(async (r) => {
      const reader = r.body.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
      return Buffer.concat(chunks);
    })
    .catch((err: unknown) => err);
  return { viaBytes, viaStream, streamed: Buffer.concat(chunks) };
}

function expectCorrupt(got: unknown, key: string, what: string): void {
  expect(BucketkitError.is(got, 'Corrupt'), `${what}: ${String(got).slice(0, 200)}`).toBe(true);
  expect((got as BucketkitError).message).toContain(`"${key}"`);
  expect((got as BucketkitError).details).toMatchObject({ key });
}

function expectBytes(got: unknown, body: Uint8Array, [start, end]: Range, what: string): void {
  expect(got, what).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(got as Uint8Array).equals(body.subarray(start, end + 1)), what).toBe(true);
}

/**
 * With byte `at` flipped in an object whose checksum groups are `group` bytes: reads touching its
 * group are Corrupt (a stream hands on nothing of that group), reads of other groups are exact.
 */
async function expectFlipSeenByRange(
  port: FileStoragePort,
  key: string,
  body: Uint8Array,
  at: number,
  group: number,
): Promise<void> {
  const last = body.byteLength - 1;
  const groupStart = Math.floor(at / group) * group;
  const groupEnd = Math.min(groupStart + group - 1, last);
  const clamp = (n: number) => Math.min(Math.max(n, 0), last);
  const touching: Range[] = [
    [at, at],
    [clamp(at - 100), clamp(at + 100)],
    [clamp(at - 700_000), clamp(at + 700_000)], // streamed, several chunks
    [0, last],
    [groupStart, groupStart], // the damaged group, not the damaged byte: damage is told per group
    [groupEnd, groupEnd],
  ];
  const clear: Range[] = [];
  if (groupStart > 0) clear.push([0, groupStart - 1], [clamp(groupStart - 10), groupStart - 1]);
  if (groupEnd < last) clear.push([groupEnd + 1, last], [groupEnd + 1, clamp(groupEnd + 5000)]);
  for (const range of touching) {
    const what = `flip at ${at}, range ${range.join('–')}`;
    const { viaBytes, viaStream, streamed } = await readRange(port, key, range);
    expectCorrupt(viaBytes, key, `${what} (bytes)`);
    expectCorrupt(viaStream, key, `${what} (stream)`);
    // what a stream handed on before it failed is true bytes, all before the damaged group
    expect(streamed.byteLength, what).toBeLessThanOrEqual(Math.max(0, groupStart - range[0]));
    expect(streamed.equals(body.subarray(range[0], range[0] + streamed.byteLength)), what).toBe(true);
  }
  for (const range of clear) {
    const what = `flip at ${at}, range ${range.join('–')}`;
    const { viaBytes, viaStream } = await readRange(port, key, range);
    expectBytes(viaBytes, body, range, `${what} (bytes)`);
    expectBytes(viaStream, body, range, `${what} (stream)`);
  }
}

describe('file port: a ranged read of a rotted data file is Corrupt, never wrong bytes', () => {
  it('a 2 MB object (16 KiB blocks): flips at the edges of blocks, inside and at both ends', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const size = 2_000_000;
    const body = payload(size, 11);
    await port.put('big', body);
    const data = await dataFileOf(root, 'big');
    for (const at of [0, LEAF - 1, LEAF, 5 * LEAF + 77, 1_000_000, size - LEAF, size - 1]) {
      await flip(data, at);
      await expectFlipSeenByRange(port, 'big', body, at, LEAF);
      await flip(data, at); // undone: every range reads again
      expectBytes((await readRange(port, 'big', [0, size - 1])).viaBytes, body, [0, size - 1], 'healed');
    }
  }, 120_000);

  it('a 40 MiB object (groups of 64 KiB, the record stays small): a flip is Corrupt for ranges over it only', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const size = 40 * 1024 * 1024;
    const body = payload(size, 12);
    // streamed in odd-sized chunks: leaves and groups cut across them
    await port.put(
      'huge',
      (async function* () {
        for (let at = 0; at < size; at += 100_003) yield body.subarray(at, at + 100_003);
      })(),
    );
    const { record } = readRecordNow(join(root, 'huge~'), 'huge')!;
    expect(record.blocks?.group).toBe(64 * 1024);
    expect(Buffer.from(record.blocks!.xxh64, 'base64').byteLength).toBe(640 * 4);
    const data = await dataFileOf(root, 'huge');
    const at = 23_456_789;
    await flip(data, at);
    await expectFlipSeenByRange(port, 'huge', body, at, 64 * 1024);
  }, 120_000);

  it("an object written with etag 'any' (no MD5) is checked by range too", async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const body = payload(100_000, 13);
    await port.put('any', body, { etag: 'any' });
    await flip(await dataFileOf(root, 'any'), 50_000);
    await expectFlipSeenByRange(port, 'any', body, 50_000, LEAF);
  });

  it('a copy (the same data file, linked) keeps the checksums: both read by range are Corrupt', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const body = payload(300_000, 14);
    await port.put('src', body);
    await port.copy('src', 'dst', { metadata: { note: 'copied' } });
    expectBytes((await readRange(port, 'dst', [1000, 250_000])).viaBytes, body, [1000, 250_000], 'copy');
    await flip(await dataFileOf(root, 'src'), 200_000);
    await expectFlipSeenByRange(port, 'src', body, 200_000, LEAF);
    await expectFlipSeenByRange(port, 'dst', body, 200_000, LEAF);
  });
});

describe('file port: objects written before block checksums read as they did', () => {
  /** The fixture folder, written by the build before block checksums (commit b9563af). */
  async function oldFolder(): Promise<{ root: string; port: FileStoragePort }> {
    const root = await sandbox();
    await cp(join(import.meta.dirname, 'fixtures', 'pre-block-sums'), root, { recursive: true });
    return { root, port: fileStorage(root) };
  }
  const OLD = [
    { key: 'md5-40000', body: payload(40_000, 1) },
    { key: 'md5-280000', body: payload(280_000, 2) },
    { key: 'any-40000', body: payload(40_000, 3) },
  ];

  it('whole and ranged reads return the bytes, with the MD5 ETag and metadata they had', async () => {
    const { port } = await oldFolder();
    for (const { key, body } of OLD) {
      const got = await port.get(key);
      if (key.startsWith('md5')) expect(got.etag).toMatch(/^[0-9a-f]{32}$/);
      expectBytes(await got.bytes(), body, [0, body.byteLength - 1], key);
      for (const range of [
        [0, 0],
        [17, 16_400],
        [body.byteLength - 300, body.byteLength - 1],
      ] as Range[]) {
        const { viaBytes, viaStream } = await readRange(port, key, range);
        expectBytes(viaBytes, body, range, `${key} ${range.join('–')}`);
        expectBytes(viaStream, body, range, `${key} ${range.join('–')} (stream)`);
      }
    }
    expect((await port.head('md5-40000')).contentType).toBe('application/octet-stream');
  });

  it('a whole read still checks the MD5; a ranged one the length (until the object is rewritten)', async () => {
    const { root, port } = await oldFolder();
    const { key, body } = OLD[1]!;
    const data = await dataFileOf(root, key);
    await flip(data, 200_000);
    expectCorrupt((await readRange(port, key, [0, body.byteLength - 1])).viaBytes, key, 'whole');
    expectCorrupt((await readRange(port, key, [0, body.byteLength - 1])).viaStream, key, 'whole stream');
    // as before this change: no checksum covers a part of an old data file
    const part = (await readRange(port, key, [199_990, 200_010])).viaBytes as Uint8Array;
    expect(part.byteLength).toBe(21);
    await flip(data, 200_000);
    // rewritten: the new data file has block checksums, and its ranges are checked
    await port.put(key, body);
    const fresh = await dataFileOf(root, key);
    await flip(fresh, 200_000);
    await expectFlipSeenByRange(port, key, body, 200_000, LEAF);
  });
});

describe('file port behind the gateway: a ranged GET over rot is an error, never wrong bytes', () => {
  it('a range over the flipped byte fails (500, retryable); a range of other blocks reads', async () => {
    const gw = await startGateway();
    try {
      const port = await bucketPort(gw, 'rot');
      const body = payload(3_000_000, 15);
      await port.put('obj', body);
      await flip(await dataFileOf(join(gw.root, 'rot'), 'obj'), 1_500_000);
      const over = await port
        .get('obj', { range: { start: 1_499_000, end: 1_501_000 } })
        .then((r) => r.bytes())
        .catch((err: unknown) => err);
      expect(over, 'the damaged range was served').toBeInstanceOf(BucketkitError);
      expect((over as BucketkitError).details).toMatchObject({ status: 500, retryable: true });
      const wide = await port
        .get('obj', { range: { start: 0, end: 2_999_999 } })
        .then((r) => r.bytes())
        .catch((err: unknown) => err);
      expect(wide, 'the damaged object was served whole').toBeInstanceOf(BucketkitError);
      const clear = await (await port.get('obj', { range: { start: 100_000, end: 900_000 } })).bytes();
      expect(Buffer.from(clear).equals(body.subarray(100_000, 900_001))).toBe(true);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
