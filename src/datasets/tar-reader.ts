/**
 * A TAR parser for untrusted input. It walks headers (ustar, GNU `L`/`K` long names, PAX `x`/`g`)
 * and skips content without holding it, so memory stays bounded by one header block plus the largest
 * extension header allowed, whatever the archive claims. Every malformed input is a `Corrupt` error
 * naming the entry and byte offset.
 */
import { type BucketkitError, bkError } from '../errors.js';
import { field, headerName, parseDecimal, parseNumber, parsePaxRecords } from './tar-fields.js';
import { BLOCK, FIELD, fromUtf8, headerChecksums, padded } from './tar-format.js';

/** What kind of entry a header describes; only `file` entries are datapoints. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One entry of an archive, located by byte offsets into it. */
export interface TarEntry {
  name: string;
  /** Content bytes (without block padding). */
  size: number;
  /** Offset of the entry's first header block, its PAX or GNU extension headers included. */
  headerOffset: number;
  /** 512-byte header blocks from `headerOffset` to the content, extension headers and their data included. */
  headerBlocks: number;
  /** `headerOffset + headerBlocks * 512`. */
  contentOffset: number;
  type: TarEntryType;
  /** The target of a symlink or hard link. */
  linkName?: string;
}

export interface TarReadOptions {
  /** Require the two zero blocks that end an archive (default true). Truncation is corrupt either way. */
  strict?: boolean;
  /** Report directories, links and other non-file entries too (default false: regular files only). */
  all?: boolean;
  /** Largest PAX or GNU extension header accepted, in bytes (default 1 MiB). */
  maxExtensionBytes?: number;
}

const DEFAULT_MAX_EXTENSION = 1024 * 1024;
/** The index stores header blocks as a u16. */
const MAX_HEADER_BLOCKS = 0xffff;

type State = 'header' | 'skip' | 'extension' | 'tail';
type ExtensionKind = 'x' | 'g' | 'L' | 'K';

interface Pending {
  path?: string;
  size?: number;
  linkpath?: string;
  longName?: string;
  longLink?: string;
}

/**
 * A push parser: feed it chunks of any size, get back the entries whose headers completed. Use it to
 * validate an archive while it streams elsewhere. Once it has thrown, it throws the same error again.
 *
 * @example
 * ```ts
 * const parser = new TarParser();
 * for await (const chunk of body) entries.push(...parser.push(chunk));
 * entries.push(...parser.end());
 * ```
 */
export class TarParser {
  private readonly strict: boolean;
  private readonly all: boolean;
  private readonly maxExtension: number;
  private state: State = 'header';
  /** Absolute offset of the next byte to consume. */
  private offset = 0;
  private readonly block = new Uint8Array(BLOCK);
  private filled = 0;
  private skip = 0;
  private extension: { kind: ExtensionKind; data: Uint8Array; filled: number; at: number } | undefined;
  /** Logical entries seen so far (extension headers belong to the entry they precede). */
  private entryIndex = 0;
  private chainStart = -1;
  private chainBlocks = 0;
  private pending: Pending = {};
  private readonly global = new Map<string, string>();
  private zeroBlockAt = -1;
  private out: TarEntry[] = [];
  private finished = false;
  /** After an error the position is unknown, so every later call repeats it. */
  private failure: unknown;

  constructor(options: TarReadOptions = {}) {
    this.strict = options.strict ?? true;
    this.all = options.all ?? false;
    this.maxExtension = options.maxExtensionBytes ?? DEFAULT_MAX_EXTENSION;
  }

  /** Consumes a chunk; returns the entries completed by it. Throws `Corrupt` on malformed input (`InvalidArgument` on a compressed archive). */
  push(chunk: Uint8Array): TarEntry[] {
    if (this.failure) throw this.failure;
    if (this.finished) throw bkError('InvalidArgument', 'TarParser.push() after end()');
    try {
      this.consume(chunk);
    } catch (err) {
      this.failure = err;
      throw err;
    }
    return this.drain();
  }

  /** Ends the input; throws `Corrupt` when the archive is truncated (or, when strict, unterminated). */
  end(): TarEntry[] {
    if (this.failure) throw this.failure;
    this.finished = true;
    try {
      this.checkEnd();
    } catch (err) {
      this.failure = err;
      throw err;
    }
    return this.drain();
  }

  private consume(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      const available = chunk.length - p;
      if (this.state === 'skip') {
        const n = Math.min(this.skip, available);
        this.skip -= n;
        p += n;
        this.offset += n;
        if (this.skip === 0) this.state = 'header';
      } else if (this.state === 'header') {
        const n = Math.min(BLOCK - this.filled, available);
        this.block.set(chunk.subarray(p, p + n), this.filled);
        this.filled += n;
        p += n;
        this.offset += n;
        if (this.filled === BLOCK) {
          this.filled = 0;
          this.header(this.offset - BLOCK);
        }
      } else if (this.state === 'extension') {
        const ext = this.extension!;
        const n = Math.min(ext.data.length - ext.filled, available);
        ext.data.set(chunk.subarray(p, p + n), ext.filled);
        ext.filled += n;
        p += n;
        this.offset += n;
        if (ext.filled === ext.data.length) this.extensionDone(ext.kind, ext.data, ext.at);
      } else {
        for (; p < chunk.length; p++, this.offset++) {
          if (chunk[p] !== 0)
            throw this.corrupt('non-zero data after the end-of-archive marker', this.offset);
        }
      }
    }
  }

  private checkEnd(): void {
    if (this.state === 'header' && this.offset === this.filled)
      notCompressed(this.block.subarray(0, this.filled));
    if (this.state === 'header' && this.filled > 0) {
      throw this.corrupt(`truncated header: ${this.filled} of 512 bytes`, this.offset - this.filled);
    }
    if (this.state === 'skip') {
      throw this.corrupt(`truncated content: ${this.skip} more bytes were due`, this.offset);
    }
    if (this.state === 'extension') {
      throw this.corrupt('truncated extension header data', this.extension!.at);
    }
    if (this.state === 'header') {
      if (this.chainStart >= 0) {
        throw this.corrupt('an extension header is not followed by its entry', this.chainStart);
      }
      if (this.strict) {
        throw this.corrupt(
          this.zeroBlockAt >= 0
            ? 'only one of the two zero blocks that end an archive'
            : 'no end-of-archive marker (two zero blocks)',
          this.offset,
        );
      }
    }
  }

  private drain(): TarEntry[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private header(at: number): void {
    const block = this.block;
    if (at === 0) notCompressed(block);
    if (isZero(block)) {
      if (this.chainStart >= 0) {
        throw this.corrupt('an extension header is followed by a zero block', this.chainStart);
      }
      if (this.zeroBlockAt >= 0) {
        this.state = 'tail';
      } else {
        this.zeroBlockAt = at;
      }
      return;
    }
    if (this.zeroBlockAt >= 0) throw this.corrupt('a lone zero block inside the archive', this.zeroBlockAt);

    const stored = this.number(block, FIELD.checksum, 'checksum', at);
    const sums = headerChecksums(block);
    if (stored !== sums.unsigned && stored !== sums.signed) {
      throw this.corrupt(`header checksum ${stored} does not match the computed ${sums.unsigned}`, at);
    }
    const typeflag = String.fromCharCode(block[FIELD.typeflag[0]]!);
    const headerSize = this.number(block, FIELD.size, 'size', at);

    if (this.chainStart < 0) {
      this.chainStart = at;
      this.chainBlocks = 0;
    }
    this.chainBlocks += 1;

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (typeflag === 'g' && this.chainBlocks > 1) {
        throw this.corrupt('a global PAX header between an extension header and its entry', at);
      }
      if (headerSize > this.maxExtension) {
        throw this.corrupt(
          `extension header of ${headerSize} bytes exceeds the ${this.maxExtension}-byte limit`,
          at,
        );
      }
      this.chainBlocks += padded(headerSize) / BLOCK;
      this.checkChainLength(at);
      this.extension = { kind: typeflag, data: new Uint8Array(headerSize), filled: 0, at };
      this.state = 'extension';
      if (headerSize === 0) this.extensionDone(typeflag, this.extension.data, at);
      return;
    }
    if (typeflag === 'S') {
      throw bkError('Unsupported', `entry ${this.entryIndex} at offset ${at} is a GNU sparse file`, {
        details: { entry: this.entryIndex, offset: at },
      });
    }
    this.checkChainLength(at);

    const type = entryType(typeflag);
    const pending = this.pending;
    const name =
      nonEmpty(pending.path) ??
      nonEmpty(pending.longName) ??
      nonEmpty(this.global.get('path')) ??
      headerName(block);
    let size = pending.size ?? this.globalSize(at) ?? headerSize;
    if (type === 'directory' || type === 'symlink' || type === 'hardlink' || HEADER_ONLY.has(typeflag))
      size = 0;
    const entry: TarEntry = {
      name,
      size,
      headerOffset: this.chainStart,
      headerBlocks: this.chainBlocks,
      contentOffset: at + BLOCK,
      type,
    };
    if (type === 'symlink' || type === 'hardlink') {
      entry.linkName =
        nonEmpty(pending.linkpath) ??
        nonEmpty(pending.longLink) ??
        nonEmpty(this.global.get('linkpath')) ??
        field(block, FIELD.linkname);
    }
    if (type === 'file' || this.all) this.out.push(entry);

    this.entryIndex += 1;
    this.chainStart = -1;
    this.chainBlocks = 0;
    this.pending = {};
    this.skip = padded(size);
    this.state = this.skip > 0 ? 'skip' : 'header';
  }

  private extensionDone(kind: ExtensionKind, data: Uint8Array, at: number): void {
    this.extension = undefined;
    if (kind === 'L' || kind === 'K') {
      const end = data.indexOf(0);
      const text = fromUtf8.decode(end < 0 ? data : data.subarray(0, end));
      if (kind === 'L') this.pending.longName = text;
      else this.pending.longLink = text;
    } else {
      const records = this.paxRecords(data, at);
      if (kind === 'g') {
        for (const [key, value] of records) {
          if (value === '') this.global.delete(key);
          else this.global.set(key, value);
        }
        this.globalSize(at);
        // A global header stands alone: it is not part of the entry that follows.
        this.chainStart = -1;
        this.chainBlocks = 0;
      } else {
        for (const [key, value] of records) {
          if (key === 'path') this.pending.path = value;
          else if (key === 'linkpath') this.pending.linkpath = value;
          else if (key === 'size') this.pending.size = value === '' ? undefined : this.decimal(value, at);
        }
      }
    }
    this.skip = padded(data.length) - data.length;
    this.state = this.skip > 0 ? 'skip' : 'header';
  }

  private globalSize(at: number): number | undefined {
    const value = this.global.get('size');
    return value === undefined ? undefined : this.decimal(value, at);
  }

  private paxRecords(data: Uint8Array, at: number): Map<string, string> {
    return parsePaxRecords(
      data,
      (message) => this.corrupt(message, at),
      () =>
        bkError('Unsupported', `entry ${this.entryIndex} at offset ${at} is a PAX sparse file`, {
          details: { entry: this.entryIndex, offset: at },
        }),
    );
  }

  private decimal(value: string, at: number): number {
    return parseDecimal(value, (message) => this.corrupt(message, at));
  }

  private number(block: Uint8Array, span: readonly [number, number], what: string, at: number): number {
    return parseNumber(block, span, what, (message) => this.corrupt(message, at));
  }

  private checkChainLength(at: number): void {
    if (this.chainBlocks > MAX_HEADER_BLOCKS) {
      throw this.corrupt(`more than ${MAX_HEADER_BLOCKS} header blocks before one entry`, at);
    }
  }

  private corrupt(message: string, offset: number): BucketkitError {
    return bkError('Corrupt', `TAR entry ${this.entryIndex} at offset ${offset}: ${message}`, {
      details: { entry: this.entryIndex, offset },
    });
  }
}

/**
 * Magic numbers of what people compress TAR files with, and how to undo each (bzip2's "BZh" is left out:
 * it could be the start of a file name).
 */
const COMPRESSED: Array<{ magic: number[]; kind: string; undo: string }> = [
  { magic: [0x1f, 0x8b], kind: 'gzip (a .tgz or .tar.gz)', undo: 'gunzip' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], kind: 'zstd (a .tar.zst)', undo: 'zstd -d' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'xz (a .tar.xz)', undo: 'unxz' },
];

/** A compressed archive is not a TAR: say so, instead of a checksum complaint about its first bytes. */
function notCompressed(start: Uint8Array): void {
  for (const { magic, kind, undo } of COMPRESSED) {
    if (start.length >= magic.length && magic.every((b, i) => start[i] === b)) {
      throw bkError(
        'InvalidArgument',
        `the archive is compressed with ${kind}, not a TAR; decompress it first (${undo}) and give the .tar`,
        { details: { entry: 0, offset: 0, compression: kind.split(' ')[0] } },
      );
    }
  }
}

/** Types without content, whatever their size field says (as GNU tar and Go read them). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

function isZero(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

const nonEmpty = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
