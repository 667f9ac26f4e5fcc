/**
 * The record that commits an object in the file adapter: one line of JSON, and for a small object
 * its bytes right after that line. Keeping small objects inline saves a file creation and a deletion
 * per write and an open per read (as MinIO keeps small objects in `xl.meta`). JSON never holds a raw
 * newline, so the first `\n` ends it. A record file holds the record in one of two slots
 * (record-slots.ts); files of format 1 were the record alone.
 */
import { closeSync, openSync } from 'node:fs';
import { bkError } from '../../errors.js';
import type { Metadata } from '../contract/port.js';
import type { BlockSums } from './block-sums.js';
import { isMissing } from './io.js';
import { readRecordFileNow, type SlotPlace } from './record-slots.js';

/** Objects up to this size live inside their record. */
export const INLINE_MAX = 16 * 1024;
/** A record with inline data and S3's 2 KiB of metadata fits; a larger one gets a buffer of its own. */
const RECORD_GUESS = INLINE_MAX + 4 * 1024;
const NEWLINE = 0x0a;

/** What a record says; its rename into place is the moment a write becomes visible. */
export interface ObjectRecord {
  v: 1;
  key: string;
  /** The data file's name next to the record; absent when the bytes are inline. */
  data?: string;
  etag: string;
  /**
   * `'md5'`: the ETag is the MD5 of the data file's bytes, which a whole read checks. Absent for
   * inline bytes (their record's CRC covers them), writes with `etag: 'any'` and earlier builds.
   */
  sum?: 'md5';
  /**
   * The data file's block checksums (block-sums.ts), which every read checks, ranged or whole (and
   * then no MD5). Absent for inline bytes and data files of earlier builds, whose ranged reads check
   * the length only.
   */
  blocks?: BlockSums;
  size: number;
  lastModified: number;
  contentType?: string;
  metadata: Metadata;
}

/** A record as read: the inline bytes too, when it has them, and where in its file it lies. */
export interface StoredRecord {
  record: ObjectRecord;
  inline: Uint8Array | undefined;
  /** Absent for a file of format 1. */
  place?: SlotPlace | undefined;
}

// one buffer serves every encoding (the caller copies the bytes out before the next)
const encodeScratch = Buffer.allocUnsafe(RECORD_GUESS);

/**
 * A record's bytes: the JSON line, then `inline` when given. A view into a reused buffer: write it
 * out before the next call.
 *
 * @example
 * ```ts
 * const seq = writeOtherSlotNow(fd, place, encodeRecord(record, bytes));
 * ```
 */
export function encodeRecord(record: ObjectRecord, inline?: Uint8Array): Buffer {
  const json = JSON.stringify(record);
  const room = json.length * 3 + 1 + (inline?.byteLength ?? 0);
  const out = room <= encodeScratch.byteLength ? encodeScratch : Buffer.allocUnsafe(room);
  let size = out.write(json, 0, 'utf8');
  if (inline) {
    out[size++] = NEWLINE;
    out.set(inline, size);
    size += inline.byteLength;
  }
  return out.subarray(0, size);
}

/**
 * Parses a record file's content (copying the inline bytes out); text that is not a record is
 * `Corrupt`, naming `key` (the key the record's path stands for).
 */
export function decodeRecord(key: string, bytes: Buffer): StoredRecord {
  const end = bytes.indexOf(NEWLINE);
  let record: ObjectRecord;
  try {
    record = JSON.parse(bytes.toString('utf8', 0, end < 0 ? bytes.byteLength : end)) as ObjectRecord;
  } catch (cause) {
    throw corrupt(key, cause);
  }
  if (typeof record !== 'object' || record === null) throw corrupt(key);
  if (record.data !== undefined) return { record, inline: undefined };
  // a copy (the read buffer is reused) and a plain Uint8Array, as every port returns, not a Buffer
  const inline = end < 0 ? new Uint8Array(0) : new Uint8Array(bytes.subarray(end + 1));
  if (inline.byteLength !== record.size) throw corrupt(key);
  return { record, inline };
}

const corrupt = (key: string, cause?: unknown) =>
  bkError('Corrupt', `the record of "${key}" is damaged; restore it or delete the key`, {
    ...(cause === undefined ? {} : { cause }),
    details: { key },
  });

/**
 * One record read with synchronous syscalls (see io.ts); undefined when there is none. A damaged
 * one is `Corrupt` naming `key`.
 */
export function readRecordNow(path: string, key: string): StoredRecord | undefined {
  const fd = openRecordNow(path, 'r');
  if (fd === undefined) return undefined;
  try {
    return readOpenRecordNow(key, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The record file opened for reading and writing, with its record, for a writer holding the key's
 * lock; undefined when there is none. The caller closes `fd`.
 *
 * @example
 * ```ts
 * const current = openRecordForWriteNow(at.record, key);
 * ```
 */
export function openRecordForWriteNow(
  path: string,
  key: string,
): { fd: number; stored: StoredRecord } | undefined {
  const fd = openRecordNow(path, 'r+');
  if (fd === undefined) return undefined;
  try {
    return { fd, stored: readOpenRecordNow(key, fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * The record of a record file open as `fd` (see {@link readRecordNow}); a damaged one is `Corrupt`.
 *
 * @example
 * ```ts
 * const { record, inline } = readOpenRecordNow(key, fd);
 * ```
 */
export function readOpenRecordNow(key: string, fd: number): StoredRecord {
  const content = readRecordFileNow(fd);
  if (!content) throw corrupt(key);
  const stored = decodeRecord(key, content.payload);
  stored.place = content.place;
  return stored;
}

function openRecordNow(path: string, flags: 'r' | 'r+'): number | undefined {
  try {
    return openSync(path, flags);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}
