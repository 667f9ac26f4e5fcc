import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage } from '../../src/index.js';

// Record files of format 2 (src/storage/file/record-slots.ts): "bkr2", slot B's offset, the sequence
// of the last finished write and a CRC-32 of bytes 4–12, then slot A at 16; a slot is length,
// sequence, CRC-32, payload.
const SLOT_A = 16;
const dirs: string[] = [];
async function sandbox(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bk-file-rot-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Where the newest slot of a record file lies (the one with the later sequence). */
function newestSlot(file: Buffer): { at: number; seq: number; end: number } {
  const slotB = file.readUInt32BE(4);
  const a = { at: SLOT_A, seq: file.readUInt32BE(SLOT_A + 4), end: SLOT_A + 12 + file.readUInt32BE(SLOT_A) };
  if (file.byteLength <= slotB) return a;
  const b = { at: slotB, seq: file.readUInt32BE(slotB + 4), end: slotB + 12 + file.readUInt32BE(slotB) };
  return ((b.seq - a.seq) | 0) > 0 ? b : a;
}

/** A slot as a writer lays it down. */
function slot(seq: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(12 + payload.byteLength);
  out.writeUInt32BE(payload.byteLength, 0);
  out.writeUInt32BE(seq, 4);
  out.writeUInt32BE(crc32(payload, crc32(out.subarray(0, 8))), 8);
  payload.copy(out, 12);
  return out;
}

async function corruptError(promise: Promise<unknown>): Promise<BucketkitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(BucketkitError.is(err, 'Corrupt'), String(err)).toBe(true);
  return err as BucketkitError;
}

describe('file adapter: bit rot is an error (issue 14, finding 5)', () => {
  it.each([
    ['small (inline)', 'v1 value', 'v2 value'],
    ['with a data file', 'a'.repeat(40_000), 'b'.repeat(50_000)],
  ])(
    'a committed record damaged afterwards is Corrupt naming the key, never the older version: %s',
    async (_, v1, v2) => {
      const root = await sandbox();
      const port = fileStorage(root);
      await port.put('dir/k', v1);
      await port.put('dir/k', v2); // in place: v2 in slot B, v1 still whole in slot A
      const path = join(root, 'dir', 'k~');
      const file = Buffer.from(await readFile(path));
      const newest = newestSlot(file);
      file[newest.end - 2]! ^= 0x10; // one flipped bit in the newest record
      await writeFile(path, file);
      const err = await corruptError(port.get('dir/k'));
      expect(err.message).toContain('"dir/k"');
      expect(err.details).toMatchObject({ key: 'dir/k' });
      await corruptError(port.head('dir/k'));
      // a write on top refuses too (its condition cannot be checked), deleting the key clears it
      await corruptError(port.put('dir/k', 'v3'));
      await port.delete('dir/k');
      await port.put('dir/k', 'v3');
      expect(await (await port.get('dir/k')).text()).toBe('v3');
    },
  );

  it('a torn in-flight write (the newer slot never finished) still reads the record before it', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    for (const value of ['v1', 'v2', 'v3']) await port.put('k', value);
    const path = join(root, 'k~');
    const file = Buffer.from(await readFile(path));
    const newest = newestSlot(file); // v3
    const other = newest.at === SLOT_A ? file.readUInt32BE(4) : SLOT_A;
    // a writer of v4 wrote half its slot into the other slot and died before marking it done
    const half = slot(newest.seq + 1, Buffer.from(file.subarray(newest.at + 12, newest.end)));
    half.subarray(0, 20).copy(file, other);
    await writeFile(path, file);
    expect(await (await port.get('k')).text()).toBe('v3');
    await port.put('k', 'v4');
    expect(await (await port.get('k')).text()).toBe('v4');
  });

  it('a finished slot whose done-mark never reached the disk is read (it is newer than the mark)', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    await port.put('k', 'v1');
    const before = Buffer.from(await readFile(join(root, 'k~')));
    await port.put('k', 'v2');
    const after = Buffer.from(await readFile(join(root, 'k~')));
    before.copy(after, 0, 0, SLOT_A); // the prelude as it was before v2 (a power cut lost its update)
    await writeFile(join(root, 'k~'), after);
    expect(await (await port.get('k')).text()).toBe('v2');
  });

  it('a record file of the previous build (no done-mark) reads its newest slot, and the next write marks it', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    await port.put('k', 'v1');
    await port.put('k', 'v2');
    const path = join(root, 'k~');
    const file = Buffer.from(await readFile(path));
    file.fill(0, 8, 16); // as format 2 was first written: 8 zero bytes
    await writeFile(path, file);
    expect(await (await port.get('k')).text()).toBe('v2');
    await port.put('k', 'v3');
    const marked = await readFile(path);
    expect(marked.readUInt32BE(8)).toBe(3);
    expect(await (await port.get('k')).text()).toBe('v3');
  });

  it('a missing data file is Corrupt naming the key, not a raw ENOENT', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    for (const size of [40_000, 300_000]) {
      const key = `big/${size}`;
      await port.put(key, 'x'.repeat(size));
      const names = (await import('node:fs/promises')).readdir(join(root, 'big'));
      const data = (await names).find((n) => n.startsWith(`${size}~d`))!;
      await unlink(join(root, 'big', data));
      const err = await corruptError(port.get(key));
      expect(err.message).toContain(`"${key}"`);
    }
  });
});
