/**
 * The record file that commits an object in the file adapter: one line of JSON, and for a small
 * object its bytes right after that line. Keeping small objects inline saves a file creation and a
 * deletion per write and an open per read (as MinIO keeps small objects in `xl.meta`). JSON never
 * holds a raw newline, so the first `\n` ends it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { bkError } from '../errors.js';
import { isMissing, writeChunksNow } from './file-io.js';
import type { Metadata, ObjectInfo } from './port.js';

/** Objects up to this size live inside their record. */
export const INLINE_MAX = 16 * 1024;
/** One read takes a whole record with inline data and S3's 2 KiB of metadata; a larger one reads on. */
const RECORD_GUESS = INLINE_MAX + 4 * 1024;
const NEWLINE = 0x0a;

/** What a record says; its rename into place is the moment a write becomes visible. */
export interface ObjectRecord {
  v: 1;
  key: string;
  /** The data file's name next to the record; absent when the bytes are inline. */
  data?: string;
  etag: string;
  size: number;
  lastModified: number;
  contentType?: string;
  metadata: Metadata;
}

/** A record as read: the inline bytes too, when it has them. */
export interface StoredRecord {
  record: ObjectRecord;
  inline: Uint8Array | undefined;
}

// Records are read and written with synchronous syscalls, so one buffer each way serves every call
// without a new allocation per request (a 20 KiB one apiece would keep the garbage collector busy).
const readScratch = Buffer.allocUnsafe(RECORD_GUESS);
const writeScratch = Buffer.allocUnsafe(RECORD_GUESS);

/**
 * Writes a record's file content at the descriptor's position: the JSON line, then `inline` when given.
 *
 * @example
 * ```ts
 * writeRecordNow(lock.fd, record, bytes);
 * ```
 */
export function writeRecordNow(fd: number, record: ObjectRecord, inline?: Uint8Array): void {
  const json = JSON.stringify(record);
  const room = json.length * 3 + 1 + (inline?.byteLength ?? 0);
  const out = room <= writeScratch.byteLength ? writeScratch : Buffer.allocUnsafe(room);
  let size = out.write(json, 0, 'utf8');
  if (inline) {
    out[size++] = NEWLINE;
    out.set(inline, size);
    size += inline.byteLength;
  }
  writeChunksNow(fd, [out.subarray(0, size)]);
}

/** Parses a record file's content (copying the inline bytes out); text that is not a record is `Corrupt`. */
export function decodeRecord(path: string, bytes: Buffer): StoredRecord {
  const end = bytes.indexOf(NEWLINE);
  let record: ObjectRecord;
  try {
    record = JSON.parse(bytes.toString('utf8', 0, end < 0 ? bytes.byteLength : end)) as ObjectRecord;
  } catch (cause) {
    throw corrupt(path, cause);
  }
  if (typeof record !== 'object' || record === null) throw corrupt(path);
  if (record.data !== undefined) return { record, inline: undefined };
  // a copy (the read buffer is reused) and a plain Uint8Array, as every port returns, not a Buffer
  const inline = end < 0 ? new Uint8Array(0) : new Uint8Array(bytes.subarray(end + 1));
  if (inline.byteLength !== record.size) throw corrupt(path);
  return { record, inline };
}

const corrupt = (path: string, cause?: unknown) =>
  bkError('Corrupt', `object record ${path} is damaged; restore it or delete the key`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path },
  });

/** One record read with synchronous syscalls (see file-io.ts); undefined when there is none. */
export function readRecordNow(path: string): StoredRecord | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    let bytes: Buffer = readScratch;
    let size = 0;
    for (;;) {
      const n = readSync(fd, bytes, size, bytes.byteLength - size, size);
      size += n;
      if (n === 0 || size < bytes.byteLength) break;
      bytes = grow(bytes, size);
    }
    return decodeRecord(path, bytes.subarray(0, size));
  } finally {
    closeSync(fd);
  }
}

function grow(bytes: Buffer, size: number): Buffer {
  const larger = Buffer.allocUnsafe(bytes.byteLength * 4);
  bytes.copy(larger, 0, 0, size);
  return larger;
}
