/**
 * The format dispatcher: picks a decoder for a raw object by its key's suffix (LakeRunner's rule; gzip is
 * only ever an outer wrapper), and, where formats share a suffix (`.json` is JSON lines or OTLP JSON), by
 * sniffing the first bytes. Each decoder is a `LogFormat`; new formats are added to `LOG_FORMATS`.
 */
import { bkError } from '../../errors.js';
import type { DecodedLog } from './decoded.js';

/** What a decoder gets: the object's content as a stream, random access for footers, a bad-row counter. */
export interface DecoderInput {
  /** The raw object's key. */
  readonly key: string;
  /** The stored object's size in bytes (compressed size for `.gz`). */
  readonly size: number;
  /** The content, gunzipped when the key ends in `.gz`; read it once, as a stream. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Bytes `[start, end)` of the stored object, for formats that read a footer first (Parquet). */
  readRange(start: number, end: number): Promise<Uint8Array>;
  /** Counts a row that could not be decoded; decoding goes on. `reason` is kept for the report. */
  badRow(reason: string): void;
  readonly signal?: AbortSignal;
}

/** One input format. */
export interface LogFormat {
  /** A short name for reports (`ndjson`, `csv`, `otlp-proto`, ...). */
  readonly name: string;
  /** Lowercase key suffixes this format reads, without `.gz` (e.g. `['.json', '.ndjson']`). */
  readonly suffixes: readonly string[];
  /** Whether a gzip-wrapped object of this format may exist (`.csv.gz`); Parquet says no. */
  readonly gzip: boolean;
  /** For a shared suffix: true when `head` (the first bytes of the content, gunzipped) is this format. */
  sniff?(head: Uint8Array): boolean;
  /** Yields the object's records. Throws a `Corrupt` `BucketkitError` when the file cannot be read. */
  decode(input: DecoderInput): AsyncIterable<DecodedLog>;
}

/** How a key was matched: the candidate formats, in order, and whether the content is gzipped. */
export interface FormatMatch {
  readonly formats: readonly LogFormat[];
  readonly gzipped: boolean;
}

/**
 * The formats whose suffix the key has. A key ending only in `.gz` (e.g. `app.log.gz`) is read as JSON
 * lines, as the `.gz` rule of JSON lines says. Throws `Unsupported` for any other key.
 *
 * @example
 * ```ts
 * matchFormat('otel-raw/acme/c1/logs_1.binpb.gz', LOG_FORMATS).gzipped; // true
 * ```
 */
export function matchFormat(key: string, formats: readonly LogFormat[]): FormatMatch {
  const lower = key.toLowerCase();
  const gzipped = lower.endsWith('.gz');
  const inner = gzipped ? lower.slice(0, -3) : lower;
  const found = formats.filter((f) => (!gzipped || f.gzip) && f.suffixes.some((s) => inner.endsWith(s)));
  if (found.length > 0) return { formats: found, gzipped };
  if (gzipped) {
    const jsonLines = formats.filter((f) => f.gzip && f.suffixes.includes('.ndjson'));
    if (jsonLines.length > 0) return { formats: jsonLines, gzipped };
  }
  const names = [...new Set(formats.flatMap((f) => f.suffixes))].join(', ');
  throw bkError('Unsupported', `no decoder reads ${key}; supported suffixes: ${names} (optionally + .gz)`, {
    details: { key },
  });
}

/** The first format whose `sniff` accepts `head`, else the first without a `sniff`. */
export function pickBySniff(candidates: readonly LogFormat[], head: Uint8Array): LogFormat | undefined {
  return candidates.find((f) => f.sniff?.(head)) ?? candidates.find((f) => f.sniff === undefined);
}
