/** Reading plaintext bytes out of a sealed object: the chunks that cover them, opened and cut to length. */
import { chunksOf } from '../contract/body.js';
import type { ByteRange, GetResult, StoragePort } from '../contract/port.js';
import { resolveRange } from '../contract/validate.js';
import { CHUNK, type DataKey, openChunks, sealedRange, TAG } from './chunks.js';
import { limited, streamFrom } from './streams.js';

/** Plaintext bytes `start..end` (inclusive) of a sealed object whose plaintext has `size` bytes. */
export interface SealedSpan {
  start: number;
  end: number;
  /** Plaintext size of the whole object. */
  size: number;
  /** The object's key, named in errors. */
  name: string;
}

/**
 * Opens plaintext bytes `span.start..span.end` from a stored body that holds the sealed chunks
 * covering them (from the object's start to its end when the whole object was read).
 *
 * @example
 * ```ts
 * const size = openedSize(stored.size);
 * const body = openSealedBody(stored.body, dataKey, { start: 0, end: size - 1, size, name: key });
 * ```
 */
export function openSealedBody(
  stored: ReadableStream<Uint8Array>,
  dataKey: DataKey,
  span: SealedSpan,
): ReadableStream<Uint8Array> {
  const chunks = sealedRange(span.start, Math.max(span.end, 0), span.size);
  const opened = openChunks(chunksOf(stored), dataKey, {
    ...chunks,
    skip: span.start - chunks.first * CHUNK,
    size: span.size,
    name: span.name,
  });
  return streamFrom(limited(opened, span.end - span.start + 1));
}

/**
 * Reads plaintext bytes `span.start..span.end` of sealed object `span.name`: fetches only the sealed
 * chunks covering them, from the version whose ETag is `etag` (the one the data key came from), and
 * opens them. A changed or cut chunk fails the read with `Corrupt`.
 *
 * @example
 * ```ts
 * const info = await port.head(key);
 * const size = openedSize(info.size);
 * const body = await openSealedRange(port, info.etag, dataKey, { start: 100, end: 199, size, name: key });
 * ```
 */
export async function openSealedRange(
  port: StoragePort,
  etag: string,
  dataKey: DataKey,
  span: SealedSpan,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const chunks = sealedRange(span.start, Math.max(span.end, 0), span.size);
  const stored = await port.get(span.name, {
    ...(signal ? { signal } : {}),
    range: { start: chunks.start, end: chunks.end },
    ifMatch: etag,
  });
  return openSealedBody(stored.body, dataKey, span);
}

/**
 * The stored bytes to ask for when plaintext `range` of a sealed object is wanted before its size is
 * known: the sealed chunks covering it (chunk size and layout are fixed), to the object's end when the
 * range is open or ends past it (a port cuts a range at the object's end). The answer's total size
 * then gives the plaintext size and `openFetchedRange` opens it: a ranged read is one request.
 *
 * @example
 * ```ts
 * const stored = await port.get(key, { range: sealedRequest({ start: 100, end: 199 }, key) });
 * ```
 */
export function sealedRequest(range: ByteRange, name: string): ByteRange {
  resolveRange(range, Number.MAX_SAFE_INTEGER, name); // the same checks as any range, before a request
  const start = Math.floor(range.start / CHUNK) * (CHUNK + TAG);
  if (range.end === undefined) return { start };
  const end = (Math.floor(range.end / CHUNK) + 1) * (CHUNK + TAG) - 1;
  return Number.isSafeInteger(end) ? { start, end } : { start };
}

/**
 * Opens plaintext bytes `span.start..span.end` from `stored`, the answer to a read of
 * `sealedRequest(range)` whose size gave `span.size`. When the answer does not hold exactly the
 * chunks the span needs (a port that cut the range otherwise), they are read again, from the same
 * version only (`stored.etag`).
 *
 * @example
 * ```ts
 * const stored = await port.get(key, { range: sealedRequest(range, key) });
 * const size = openedSize(stored.size);
 * const want = resolveRange(range, size, key);
 * const body = await openFetchedRange(port, stored, dataKey, { ...want, size, name: key });
 * ```
 */
export async function openFetchedRange(
  port: StoragePort,
  stored: GetResult,
  dataKey: DataKey,
  span: SealedSpan,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const need = sealedRange(span.start, Math.max(span.end, 0), span.size);
  if (stored.range?.start === need.start && stored.range.end === need.end) {
    return openSealedBody(stored.body, dataKey, span);
  }
  await stored.body.cancel().catch(() => {});
  return openSealedRange(port, stored.etag, dataKey, span, signal);
}
