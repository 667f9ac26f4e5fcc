/**
 * Record files, format 2: a record file holds two slots, so replacing a record is one write in place
 * instead of a new file renamed over the old one. On ext4, a rename over an existing file starts
 * writing the new file out inside the syscall (its guard against empty files after a crash): ~110 µs
 * against ~25 µs for a rename to a new name and ~3 µs for a write in place (4 KiB, measured here).
 *
 * Layout (integers are big-endian u32):
 * - at 0, the prelude: the magic `bkr2`, slot B's offset, then the done-mark: the sequence of the last
 *   write that finished and a CRC-32 of bytes 4–12 (8 zero bytes in files of earlier builds);
 * - at 16, slot A; at slot B's offset, slot B once the record has been replaced in place. A slot is
 *   its payload's length, a sequence number and the CRC-32 of those 8 bytes and the payload, then
 *   the payload: a format-1 record file's content (record.ts).
 *
 * The record is the valid slot with the later sequence. A writer (holding the key's lock) always
 * writes the other slot, so a crash or a reader in the middle of a write sees a torn slot, fails its
 * CRC, and still has the previous record whole in the slot that was not touched. Once the slot is
 * written (and synced, for a durable port) the writer sets the done-mark to its sequence. A reader
 * takes the newest valid slot whose sequence is not before the mark: a torn slot newer than the mark
 * is a write in flight (the record before it stands), but a slot at the mark that fails its CRC was
 * finished and has rotted since, which is damage — never a reason to go back to the older record.
 * (The mark is not synced: after a power cut it may lag one write, whose slot then still counts as it
 * is newer.) A file whose mark is all zeros (an earlier build's) reads the newest valid slot. A new file gets
 * slot A only and is renamed into place (to a new name: no flush); a record too large for slot A's
 * room also starts a new file. Format-1 files (one JSON line first, so `{`) are still read, and are
 * replaced by a format-2 file on their next write.
 */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const MAGIC = 0x626b7232; // "bkr2"
const PRELUDE = 16;
const SLOT_HEADER = 12;
const SLOT_A = PRELUDE;
/** Reads whose slot A changed under them start again; past this many, the newest slot read wins. */
const MAX_ATTEMPTS = 1000;
/** Reads of a file that looks damaged: a reader that met a writer's mark half set reads it whole next. */
const DAMAGE_REREADS = 3;
/** No record file is near this large (a record is at most ~40 KiB, and a file holds two): a damaged one. */
const MAX_FILE = 4 * 1024 * 1024;

/** Where a format-2 record lies: what a writer needs to write the other slot. */
export interface SlotPlace {
  slot: 'A' | 'B';
  seq: number;
  /** Where the newest slot ends: slot B must not start before slot A's end. */
  end: number;
  slotB: number;
}

/** A record file as read: the newest record's payload (a view into a reused buffer) and where it lies. */
export interface RecordFileContent {
  payload: Buffer;
  /** Absent for a format-1 file. */
  place?: SlotPlace;
}

type Slot =
  | { state: 'valid'; seq: number; start: number; end: number }
  | { state: 'absent' }
  | { state: 'torn' };

// Records are read and written with synchronous syscalls, so one buffer each way serves every call
// (a fresh one apiece would keep the garbage collector busy). Big enough for nearly every record file
// with both slots; a larger file gets a buffer of its own.
const readScratch = Buffer.allocUnsafe(64 * 1024);
const writeScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a record file through `fd`: the newest record's payload, or undefined when the file holds no
 * valid record (the caller reports it as damaged).
 *
 * @example
 * ```ts
 * const content = readRecordFileNow(fd);
 * if (content) decodeRecord(key, content.payload);
 * ```
 */
export function readRecordFileNow(fd: number): RecordFileContent | undefined {
  for (let attempt = 1; ; attempt++) {
    const bytes = readWholeNow(fd);
    if (!bytes) return undefined;
    if (bytes.byteLength < PRELUDE || bytes.readUInt32BE(0) !== MAGIC) return { payload: bytes };
    const slotB = bytes.readUInt32BE(4);
    if (slotB < SLOT_A + SLOT_HEADER) return undefined;
    const a = slotAt(bytes, SLOT_A);
    const b = slotB >= bytes.byteLength ? ({ state: 'absent' } as const) : slotAt(bytes, slotB);
    // Slot B was read after slot A: if A changed meanwhile, a writer finished A and may have begun B,
    // so what we hold of A may predate a record B had before. Read again.
    if (b.state !== 'absent' && attempt < MAX_ATTEMPTS && slotAChanged(fd, bytes)) continue;
    const newest = current(a, b, markOf(bytes));
    if (!newest) {
      // damage, or (rarely) a mark read while a writer set it: damage stays, a write moves on
      if (attempt < DAMAGE_REREADS) continue;
      return undefined;
    }
    return {
      payload: bytes.subarray(newest.start, newest.end),
      place: { slot: newest === a ? 'A' : 'B', seq: newest.seq, end: newest.end, slotB },
    };
  }
}

/**
 * Writes `payload` into the slot the newest record is not in, through `fd` (open for reading and
 * writing). False when slot A has no room for it: the caller then writes a new file.
 *
 * @example
 * ```ts
 * if (!writeOtherSlotNow(fd, content.place, payload)) startNewFile();
 * ```
 */
export function writeOtherSlotNow(fd: number, place: SlotPlace, payload: Uint8Array): number | undefined {
  const offset = place.slot === 'A' ? place.slotB : SLOT_A;
  if (offset === SLOT_A ? SLOT_A + SLOT_HEADER + payload.byteLength > place.slotB : place.slotB < place.end) {
    return undefined;
  }
  const seq = (place.seq + 1) >>> 0;
  const slot = encodeSlot(seq, payload, 0);
  for (let done = 0; done < slot.byteLength; ) {
    done += writeSync(fd, slot, done, slot.byteLength - done, offset + done);
  }
  return seq;
}

/**
 * Sets the done-mark: the write of sequence `seq` has finished (its slot is written, and synced when
 * the port is durable). From now on a damaged slot at `seq` is `Corrupt`, not a reason to read the
 * older record.
 *
 * @example
 * ```ts
 * const seq = writeOtherSlotNow(fd, place, payload);
 * if (seq !== undefined) { await fsync(fd); markDoneNow(fd, place.slotB, seq); }
 * ```
 */
export function markDoneNow(fd: number, slotB: number, seq: number): void {
  encodeMark(markScratch, slotB, seq);
  for (let done = 0; done < 8; ) done += writeSync(fd, markScratch, 8 + done, 8 - done, 8 + done);
}

const markScratch = Buffer.alloc(PRELUDE);

/** Writes the prelude's slot B offset and done-mark into `out` at 4–16. */
function encodeMark(out: Buffer, slotB: number, seq: number): void {
  out.writeUInt32BE(slotB, 4);
  out.writeUInt32BE(seq, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 12)), 12);
}

type Mark = { state: 'none' } | { state: 'valid'; seq: number } | { state: 'damaged' };

function markOf(bytes: Buffer): Mark {
  if (bytes.readUInt32BE(8) === 0 && bytes.readUInt32BE(12) === 0) return { state: 'none' };
  if (crc32(bytes.subarray(4, 12)) !== bytes.readUInt32BE(12)) return { state: 'damaged' };
  return { state: 'valid', seq: bytes.readUInt32BE(8) };
}

/**
 * A new record file's content: the prelude and slot A, with room in slot A for records up to half
 * as large again (a record that changes usually stays about its size).
 *
 * @example
 * ```ts
 * writeChunksNow(lock.fd, [newRecordFile(payload)]);
 * ```
 */
export function newRecordFile(payload: Uint8Array): Buffer {
  const room = SLOT_A + SLOT_HEADER + payload.byteLength + Math.max(1024, payload.byteLength >>> 1);
  const slotB = Math.ceil(room / 4096) * 4096;
  const out = encodeSlot(1, payload, PRELUDE);
  out.writeUInt32BE(MAGIC, 0);
  encodeMark(out, slotB, 1);
  return out;
}

/** A slot (header and payload) at `at` in a scratch buffer, after `at` bytes left for the caller. */
function encodeSlot(seq: number, payload: Uint8Array, at: number): Buffer {
  const size = at + SLOT_HEADER + payload.byteLength;
  const out = size <= writeScratch.byteLength ? writeScratch : Buffer.allocUnsafe(size);
  out.writeUInt32BE(payload.byteLength, at);
  out.writeUInt32BE(seq, at + 4);
  out.writeUInt32BE(crc32(payload, crc32(out.subarray(at, at + 8))), at + 8);
  out.set(payload, at + SLOT_HEADER);
  return out.subarray(0, size);
}

function slotAt(bytes: Buffer, at: number): Slot {
  if (at + SLOT_HEADER > bytes.byteLength) return { state: 'torn' };
  const length = bytes.readUInt32BE(at);
  const start = at + SLOT_HEADER;
  const end = start + length;
  if (end > bytes.byteLength) return { state: 'torn' };
  const sum = crc32(bytes.subarray(start, end), crc32(bytes.subarray(at, at + 8)));
  if (sum !== bytes.readUInt32BE(at + 8)) return { state: 'torn' };
  return { state: 'valid', seq: bytes.readUInt32BE(at + 4), start, end };
}

type ValidSlot = Extract<Slot, { state: 'valid' }>;

/**
 * The record: the newest valid slot not before the done-mark; undefined when there is none (a
 * finished record was damaged). Without a mark (an earlier build's file), the newest valid slot; with
 * a damaged mark, the newest only when both slots are whole (otherwise which one finished is unknown).
 */
function current(a: Slot, b: Slot, mark: Mark): ValidSlot | undefined {
  const newest = newer(a, b);
  if (!newest || mark.state === 'none') return newest;
  if (mark.state === 'damaged') return a.state === 'valid' && b.state === 'valid' ? newest : undefined;
  return ((newest.seq - mark.seq) | 0) >= 0 ? newest : undefined;
}

/** The valid slot with the later sequence (sequences wrap around at 2^32). */
function newer(a: Slot, b: Slot): ValidSlot | undefined {
  if (a.state !== 'valid') return b.state === 'valid' ? b : undefined;
  if (b.state !== 'valid') return a;
  return ((b.seq - a.seq) | 0) > 0 ? b : a;
}

const headerCheck = Buffer.allocUnsafe(SLOT_HEADER);

function slotAChanged(fd: number, bytes: Buffer): boolean {
  const n = readSync(fd, headerCheck, 0, SLOT_HEADER, SLOT_A);
  return n !== SLOT_HEADER || !headerCheck.equals(bytes.subarray(SLOT_A, SLOT_A + SLOT_HEADER));
}

/**
 * The whole file, in one read when it fits the scratch buffer (nearly always): a view, reused.
 * Undefined for a file too large to be a record.
 */
function readWholeNow(fd: number): Buffer | undefined {
  let into = readScratch;
  let size = 0;
  for (;;) {
    const n = readSync(fd, into, size, into.byteLength - size, size);
    size += n;
    if (n === 0 || size < into.byteLength) return into.subarray(0, size);
    // a full buffer: the file may be longer
    const total = fstatSync(fd).size;
    if (total > MAX_FILE) return undefined;
    const larger = Buffer.allocUnsafe(Math.max(into.byteLength * 2, total + 1));
    into.copy(larger, 0, 0, size);
    into = larger;
  }
}
