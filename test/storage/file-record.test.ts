import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage } from '../../src/index.js';
import { syncFolder } from '../../src/storage/file/io.js';
import { md5Hex } from '../../src/testing/index.js';
import { sequenceNumber } from './fixtures/sequence-value.js';

// Record files of format 2 (src/storage/file/record-slots.ts): "bkr2", slot B's offset, the done-mark
// (sequence, CRC-32), then slot A at 16; a slot is length, sequence, CRC-32, payload.
const SLOT_A = 16;
const dirs: string[] = [];

async function sandbox(): Promise<string> {
  const outer = await mkdtemp(join(tmpdir(), 'bk-file-record-'));
  dirs.push(outer);
  const root = join(outer, 'root');
  await mkdir(root);
  return root;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The slots of a record file as the tests see them. */
function slotsOf(file: Buffer): { slotB: number; a: { seq: number; end: number }; b?: { seq: number } } {
  expect(file.subarray(0, 4).toString('latin1')).toBe('bkr2');
  const slotB = file.readUInt32BE(4);
  const a = { seq: file.readUInt32BE(SLOT_A + 4), end: SLOT_A + 12 + file.readUInt32BE(SLOT_A) };
  return file.byteLength > slotB ? { slotB, a, b: { seq: file.readUInt32BE(slotB + 4) } } : { slotB, a };
}

const text = async (port: ReturnType<typeof fileStorage>, key: string) => (await port.get(key)).text();

describe('file adapter record files', () => {
  it('replaces a record in place, alternating slots, and a new key gets slot A only', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    await port.put('k', 'one');
    const first = await readFile(join(root, 'k~'));
    expect(slotsOf(first).b).toBeUndefined();
    await port.put('k', 'two');
    expect(slotsOf(await readFile(join(root, 'k~')))).toMatchObject({ a: { seq: 1 }, b: { seq: 2 } });
    await port.put('k', 'three');
    expect(slotsOf(await readFile(join(root, 'k~')))).toMatchObject({ a: { seq: 3 }, b: { seq: 2 } });
    expect(await text(port, 'k')).toBe('three');
    expect((await port.head('k')).etag).toBe(md5Hex(new TextEncoder().encode('three')));
  });

  it('reads a format-1 record file (an older version wrote it), and its next write makes it format 2', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const etag = md5Hex(new TextEncoder().encode('abc'));
    const record = {
      v: 1,
      key: 'old',
      etag,
      size: 3,
      lastModified: Date.UTC(2026, 0, 1),
      metadata: { m: '1' },
    };
    await writeFile(join(root, 'old~'), `${JSON.stringify(record)}\nabc`);
    const got = await port.get('old');
    expect(await got.text()).toBe('abc');
    expect(got.metadata).toEqual({ m: '1' });
    const listed = [];
    for await (const entry of port.list()) listed.push(entry);
    expect(listed).toMatchObject([{ key: 'old', size: 3, etag }]);
    await port.put('old', 'new', { ifMatch: etag });
    expect((await readFile(join(root, 'old~'))).subarray(0, 4).toString()).toBe('bkr2');
    expect(await text(port, 'old')).toBe('new');
  });

  it('a torn slot (a crash mid-write) leaves the record before it readable, and the next write mends it', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    for (const value of ['v1', 'v2', 'v3']) await port.put('k', value);
    const path = join(root, 'k~');
    const file = await readFile(path);
    const { slotB, a } = slotsOf(file); // v3, the newest, in slot A; v2 in slot B
    // a writer of v4 died with slot B half written: its header says sequence 4, its CRC fails
    const torn = Buffer.from(file);
    torn.writeUInt32BE(a.seq + 1, slotB + 4);
    await writeFile(path, torn);
    expect(await text(port, 'k')).toBe('v3');
    await port.put('k', 'v4'); // into slot B again
    expect(await text(port, 'k')).toBe('v4');
    // slot B (v4) cut short once v5 is in slot A: the older slot's damage does not matter
    await port.put('k', 'v5');
    const withB = await readFile(path);
    await writeFile(path, withB.subarray(0, withB.byteLength - 1));
    expect(await text(port, 'k')).toBe('v5');
    // both slots torn: a typed error, which deleting the key clears
    const both = Buffer.from(await readFile(path));
    both[SLOT_A + 12]! ^= 0xff;
    await writeFile(path, both);
    const err = await port.get('k').catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt'), String(err)).toBe(true);
    await port.delete('k');
    await expect(port.head('k')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('a record that outgrows slot A moves to a new file; sizes up and down all read back', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const sizes = [10, 16_000, 3, 15_000, 40_000, 0, 12_000, 5, 16_384, 1];
    for (const [i, size] of sizes.entries()) {
      const body = String(i % 10).repeat(size);
      const metadata = { big: 'm'.repeat(i % 2 ? 1_800 : 1) };
      await port.put('grow', body, { metadata });
      const got = await port.get('grow');
      expect(await got.text()).toBe(body);
      expect(got.metadata).toEqual(metadata);
    }
  });

  it('durable writes sync folders; a folder that cannot be opened is passed over, not an error', async () => {
    const root = await sandbox();
    await expect(syncFolder(root)).resolves.toBeUndefined();
    await expect(syncFolder(join(root, 'missing'))).resolves.toBeUndefined();
    const port = fileStorage(root, { durable: true });
    await port.put('deep/er/key', 'x'.repeat(40_000));
    await port.put('deep/er/key', 'y');
    expect(await text(port, 'deep/er/key')).toBe('y');
  });

  it('a sequence number that wraps past 2^32 still orders the slots', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    await port.put('w', 'before');
    const path = join(root, 'w~');
    const file = Buffer.from(await readFile(path));
    file.writeUInt32BE(0xffffffff, SLOT_A + 4);
    const length = file.readUInt32BE(SLOT_A);
    const payload = file.subarray(SLOT_A + 12, SLOT_A + 12 + length);
    file.writeUInt32BE(crc32(payload, crc32(file.subarray(SLOT_A, SLOT_A + 8))), SLOT_A + 8);
    // and the done-mark says so
    file.writeUInt32BE(0xffffffff, 8);
    file.writeUInt32BE(crc32(file.subarray(4, 12)), 12);
    await writeFile(path, file);
    expect(await text(port, 'w')).toBe('before');
    await port.put('w', 'after'); // slot B, sequence 0
    expect(slotsOf(await readFile(path)).b?.seq).toBe(0);
    expect(await text(port, 'w')).toBe('after');
  });

  it('damaged record files read as the last value written or as Corrupt, never a crash or an older value', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const values = ['first value', 'second, longer value', 'third'];
    for (const value of values) await port.put('f', value, { metadata: { n: value.slice(0, 3) } });
    const path = join(root, 'f~');
    const good = await readFile(path);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.byteLength - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(good.byteLength), { nil: undefined }),
        fc.uint8Array({ maxLength: 64 }),
        async (flips, cut, tail) => {
          const bytes = Buffer.from(good);
          for (const [at, mask] of flips) bytes[at]! ^= mask;
          const damaged = Buffer.concat([bytes.subarray(0, cut ?? bytes.byteLength), tail]);
          await writeFile(path, damaged);
          try {
            // an older value only where the damage erased the done-mark (a file as earlier builds wrote it)
            const erased = damaged.byteLength >= 16 && damaged.readBigUInt64BE(8) === 0n;
            expect(erased ? values : values.slice(-1)).toContain(await text(port, 'f'));
          } catch (err) {
            if (!BucketkitError.is(err, 'Corrupt')) throw err;
          }
          try {
            for await (const entry of port.list()) expect(entry).toMatchObject({ key: 'f' });
          } catch (err) {
            if (!BucketkitError.is(err, 'Corrupt')) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a reader racing a writer in another process only ever sees written values, never going back', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const child = fork(join(import.meta.dirname, 'fixtures', 'file-worker.ts'), [root, 'overwrite', 'w'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const finished = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { result?: unknown; error?: string }) =>
        m.error ? reject(new Error(m.error)) : resolve(),
      );
      child.on('exit', (code) => (code ? reject(new Error(`worker exited with ${code}`)) : resolve()));
    });
    let done = false;
    void finished.finally(() => {
      done = true;
    });
    let last = 0;
    let reads = 0;
    while (!done) {
      // a get of an inline record never leaves the microtask queue: let the child's messages in
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const seen = sequenceNumber(await text(port, 'seq'));
        expect(seen).toBeGreaterThanOrEqual(last);
        last = seen;
        reads++;
      } catch (err) {
        if (!BucketkitError.is(err, 'NotFound') || last > 0) throw err;
      }
    }
    await finished;
    expect(sequenceNumber(await text(port, 'seq'))).toBe(1500);
    expect(reads).toBeGreaterThan(100);
  }, 120_000);
});
