/** Reading plaintext bytes out of a sealed object: the chunks that cover them, opened and cut to length. */
import { chunksOf } from '../contract/body.js';
import type { StoragePort } from '../contract/port.js';
import { CHUNK, type DataKey, openChunks, sealedRange } from './chunks.js';
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
