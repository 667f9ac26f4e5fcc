/**
 * Writes POSIX ustar archives: one header block per entry, a PAX `x` header before it when the name
 * does not fit the 100-byte name field (or the size the 11-digit size field), content padded to
 * 512 bytes, and the two zero blocks that end an archive. Output is deterministic for equal input.
 */
import { bkError } from '../errors.js';
import { concatBytes } from '../storage/browser.js';
import { BLOCK, FIELD, headerChecksums, MAX_OCTAL_SIZE, padded, utf8 } from './tar-format.js';

/** One file to write. */
export interface TarWriteEntry {
  name: string;
  body: Uint8Array;
}

export interface TarWriteOptions {
  /** Modification time of every entry, in seconds since the epoch (default 0, for reproducible bytes). */
  mtime?: number;
  /** Permission bits of every entry (default 0o644). */
  mode?: number;
}

const ZERO_BLOCKS = new Uint8Array(2 * BLOCK);

/**
 * Streams an archive: per entry its header blocks, then its content, then its padding; finally the
 * end-of-archive marker. Entries are pulled one at a time, so a lazy source is never held whole.
 *
 * @example
 * ```ts
 * await port.put(keys.data, writeTar([{ name: '00000000000000000001.json', body }]));
 * ```
 */
export async function* writeTar(
  entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>,
  options: TarWriteOptions = {},
): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) yield* entryChunks(entry, options);
  yield ZERO_BLOCKS.slice();
}

/**
 * Builds a whole archive in memory.
 *
 * @example
 * ```ts
 * const bytes = tarBytes([{ name: 'a.txt', body: new TextEncoder().encode('hi') }]);
 * ```
 */
export function tarBytes(entries: Iterable<TarWriteEntry>, options: TarWriteOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) parts.push(...entryChunks(entry, options));
  parts.push(ZERO_BLOCKS);
  return concatBytes(parts);
}

function entryChunks(entry: TarWriteEntry, options: TarWriteOptions): Uint8Array[] {
  const { name, body } = entry;
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw bkError('InvalidArgument', 'a TAR entry name must be a non-empty string without NUL', {
      details: { name },
    });
  }
  const mtime = options.mtime ?? 0;
  const mode = options.mode ?? 0o644;
  if (!Number.isSafeInteger(mtime) || mtime < 0 || mtime > MAX_OCTAL_SIZE) {
    throw bkError('InvalidArgument', `mtime ${mtime} does not fit a TAR header`, { details: { mtime } });
  }
  const nameBytes = utf8.encode(name);
  const records: string[] = [];
  if (nameBytes.length > FIELD.name[1]) records.push(paxRecord('path', name));
  if (body.length > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(body.length)));

  const chunks: Uint8Array[] = [];
  if (records.length > 0) {
    const data = utf8.encode(records.join(''));
    const base = name.slice(name.lastIndexOf('/') + 1);
    chunks.push(
      header({ name: truncate(`PaxHeaders.0/${base}`), size: data.length, typeflag: 'x', mtime, mode }),
      withPadding(data),
    );
  }
  chunks.push(
    header({
      name: truncate(nameBytes),
      size: body.length > MAX_OCTAL_SIZE ? 0 : body.length,
      typeflag: '0',
      mtime,
      mode,
    }),
  );
  if (body.length > 0) chunks.push(withPadding(body));
  return chunks;
}

interface HeaderFields {
  name: Uint8Array;
  size: number;
  typeflag: string;
  mtime: number;
  mode: number;
}

function header(fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  block.set(fields.name, FIELD.name[0]);
  octal(block, FIELD.mode, fields.mode);
  octal(block, FIELD.uid, 0);
  octal(block, FIELD.gid, 0);
  octal(block, FIELD.size, fields.size);
  octal(block, FIELD.mtime, fields.mtime);
  block[FIELD.typeflag[0]] = fields.typeflag.charCodeAt(0);
  block.set(utf8.encode('ustar\u000000'), FIELD.magic[0]);
  const { unsigned } = headerChecksums(block);
  // Six octal digits, NUL, space: the layout GNU tar writes.
  block.set(utf8.encode(`${unsigned.toString(8).padStart(6, '0')}\u0000 `), FIELD.checksum[0]);
  return block;
}

/** Zero-padded octal digits filling the field but its last byte, which stays NUL. */
function octal(block: Uint8Array, [start, length]: readonly [number, number], value: number): void {
  block.set(utf8.encode(value.toString(8).padStart(length - 1, '0')), start);
}

/** A PAX record's length counts its own digits, so it is found by iteration. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = utf8.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return `${length}${body}`;
}

/** The first 100 bytes, cut back to a whole UTF-8 character so the field stays valid text. */
function truncate(name: string | Uint8Array): Uint8Array {
  const bytes = typeof name === 'string' ? utf8.encode(name) : name;
  if (bytes.length <= FIELD.name[1]) return bytes;
  let end = FIELD.name[1];
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

function withPadding(data: Uint8Array): Uint8Array {
  if (data.length % BLOCK === 0) return data;
  const out = new Uint8Array(padded(data.length));
  out.set(data);
  return out;
}
