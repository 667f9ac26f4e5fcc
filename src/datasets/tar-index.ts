/**
 * datas3t's binary TAR index: one 16-byte big-endian entry per datapoint, in archive order, with no
 * header or footer: u64 offset of the entry's first header block, u16 header blocks before the
 * content, u48 content size. Entry `i` is datapoint `first + i`.
 */

import { bkError } from '../errors.js';
import type { ByteRange } from '../storage/index.js';
import { parseDatapointName } from './names.js';
import { BLOCK, padded } from './tar-format.js';
import type { TarEntry } from './tar-reader.js';

export const INDEX_ENTRY_BYTES = 16;
/** The largest content size a u48 holds. */
export const MAX_INDEXED_SIZE = 2 ** 48 - 1;
const MAX_HEADER_BLOCKS = 0xffff;

/** Where one entry sits in its archive. */
export interface IndexEntry {
  headerOffset: number;
  headerBlocks: number;
  size: number;
}

/**
 * Encodes index entries. Throws `InvalidArgument` for values the format cannot hold.
 *
 * @example
 * ```ts
 * encodeIndex([{ headerOffset: 1024, headerBlocks: 1, size: 2048 }]);
 * // 00 00 00 00 00 00 04 00 | 00 01 | 00 00 00 00 08 00
 * ```
 */
export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * INDEX_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  entries.forEach((entry, i) => {
    const { headerOffset, headerBlocks, size } = entry;
    if (!Number.isSafeInteger(headerOffset) || headerOffset < 0) {
      throw invalid(i, `header offset ${headerOffset} is not a non-negative safe integer`);
    }
    if (!Number.isInteger(headerBlocks) || headerBlocks < 1 || headerBlocks > MAX_HEADER_BLOCKS) {
      throw invalid(i, `header blocks ${headerBlocks} is not an integer of 1 to ${MAX_HEADER_BLOCKS}`);
    }
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_INDEXED_SIZE) {
      throw invalid(i, `size ${size} does not fit 48 bits`);
    }
    const at = i * INDEX_ENTRY_BYTES;
    view.setBigUint64(at, BigInt(headerOffset));
    view.setUint16(at + 8, headerBlocks);
    view.setUint16(at + 10, Math.floor(size / 2 ** 32));
    view.setUint32(at + 12, size % 2 ** 32);
  });
  return out;
}

/**
 * Decodes an index, checking it describes a possible archive: a length that is a multiple of 16,
 * block-aligned offsets, at least one header block, and entries that follow each other without
 * overlapping. Throws `Corrupt` naming the first bad entry.
 *
 * @example
 * ```ts
 * const entries = decodeIndex(await (await port.get(keys.index)).bytes());
 * ```
 */
export function decodeIndex(bytes: Uint8Array): IndexEntry[] {
  if (bytes.length % INDEX_ENTRY_BYTES !== 0) {
    throw bkError(
      'Corrupt',
      `a TAR index of ${bytes.length} bytes is not a whole number of 16-byte entries`,
      {
        details: { size: bytes.length },
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: IndexEntry[] = [];
  let end = 0;
  for (let at = 0; at < bytes.length; at += INDEX_ENTRY_BYTES) {
    const i = at / INDEX_ENTRY_BYTES;
    const offset = view.getBigUint64(at);
    const headerBlocks = view.getUint16(at + 8);
    const size = view.getUint16(at + 10) * 2 ** 32 + view.getUint32(at + 12);
    if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(i, `header offset ${offset} is too large`);
    const headerOffset = Number(offset);
    if (headerOffset % BLOCK !== 0) throw corrupt(i, `header offset ${headerOffset} is not block-aligned`);
    if (headerBlocks === 0) throw corrupt(i, 'an entry has at least one header block');
    if (headerOffset < end) {
      throw corrupt(i, `header offset ${headerOffset} overlaps the previous entry, which ends at ${end}`);
    }
    end = headerOffset + headerBlocks * BLOCK + padded(size);
    if (!Number.isSafeInteger(end)) throw corrupt(i, 'the entry ends past the largest safe offset');
    entries.push({ headerOffset, headerBlocks, size });
  }
  return entries;
}

/**
 * The index of an archive's entries, as read by `readTar`/`readTarStream` (regular files only).
 *
 * @example
 * ```ts
 * const index = buildIndex(readTar(bytes));
 * ```
 */
export function buildIndex(entries: readonly TarEntry[]): Uint8Array {
  entries.forEach((entry, i) => {
    if (entry.type !== 'file') throw invalid(i, `"${entry.name}" is a ${entry.type}, not a regular file`);
  });
  return encodeIndex(entries);
}

/**
 * Bytes of datapoints `from..to` (positions in the index, inclusive) as an inclusive range: from
 * the first one's header to the last one's padded end, so ranges of consecutive dataranges
 * concatenate into one valid stream.
 *
 * @example
 * ```ts
 * const range = entriesRange(index, 0, 9); // the first ten datapoints
 * const segment = await port.get(keys.data, { range });
 * ```
 */
export function entriesRange(index: readonly IndexEntry[], from: number, to: number): Required<ByteRange> {
  const a = index[from];
  const b = index[to];
  if (a === undefined || b === undefined || from > to) {
    throw bkError('InvalidRange', `entries ${from}..${to} are not within 0..${index.length - 1}`, {
      details: { from, to, entries: index.length },
    });
  }
  return { start: a.headerOffset, end: b.headerOffset + b.headerBlocks * BLOCK + padded(b.size) - 1 };
}

/**
 * Checks that an archive's entries are exactly the datapoints `first..last`, in order: regular
 * files named `%020d.<ext>` whose keys are `first`, `first + 1`, ... `last`. Throws
 * `InvalidArgument` naming the first wrong entry (`details.entry`, `details.name`, `details.expected`).
 *
 * @example
 * ```ts
 * validateDatarange(readTar(bytes), { first: 1n, last: 1000n });
 * ```
 */
export function validateDatarange(
  entries: readonly Pick<TarEntry, 'name' | 'type'>[],
  range: { first: bigint; last: bigint },
): void {
  const { first, last } = range;
  if (first < 0n || first > last) {
    throw bkError('InvalidArgument', `datarange ${first}..${last} is empty or negative`, {
      details: { first: String(first), last: String(last) },
    });
  }
  const expectedCount = last - first + 1n;
  entries.forEach((entry, i) => {
    const expected = first + BigInt(i);
    const fail = (why: string) =>
      bkError('InvalidArgument', `entry ${i} ("${entry.name}"): ${why}`, {
        details: { entry: i, name: entry.name, expected: String(expected) },
      });
    if (entry.type !== 'file') throw fail(`a ${entry.type} is not a datapoint`);
    if (BigInt(i) >= expectedCount) throw fail(`datarange ${first}..${last} ends before it`);
    let key: bigint;
    try {
      key = parseDatapointName(entry.name).key;
    } catch (err) {
      throw bkError('InvalidArgument', `entry ${i} ("${entry.name}") is not a datapoint name`, {
        cause: err,
        details: { entry: i, name: entry.name, expected: String(expected) },
      });
    }
    if (key !== expected) throw fail(`datapoint ${key} where ${expected} was due`);
  });
  if (BigInt(entries.length) !== expectedCount) {
    throw bkError(
      'InvalidArgument',
      `datarange ${first}..${last} needs ${expectedCount} datapoints, the archive has ${entries.length}`,
      { details: { entry: entries.length, expected: String(first + BigInt(entries.length)) } },
    );
  }
}

function invalid(i: number, message: string) {
  return bkError('InvalidArgument', `index entry ${i}: ${message}`, { details: { entry: i } });
}

function corrupt(i: number, message: string) {
  return bkError('Corrupt', `TAR index entry ${i}: ${message}`, { details: { entry: i } });
}
