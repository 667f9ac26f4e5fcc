/**
 * SSE-C objects assembled from their sealed parts. S3 completes an SSE-C multipart upload without the
 * customer key, so CompleteMultipartUpload cannot open the parts and seal the object again: it joins
 * the parts as UploadPart stored them. The stored body is one segment per part, in order: a header
 * (magic, the part's plaintext size, the part's data key wrapped by the customer key) and then the
 * part's sealed chunks. Reads unwrap each segment's key with the customer key the read sends; the
 * gateway never holds anything that opens the object.
 */
import {
  CHUNK,
  chunksOf,
  type DataKey,
  fromBase64,
  importDataKey,
  importWrappingKey,
  limited,
  type Metadata,
  type ObjectInfo,
  openChunks,
  type StoragePort,
  sealedRange,
  sealedSize,
  toBase64,
  unwrapKey,
} from '../../storage/index.js';
import { decodePartSizes, PARTS_META } from '../meta/index.js';
import { s3Error } from '../s3-errors.js';
import type { CustomerKey } from './request.js';

/** Hidden metadata: `parts` marks an assembled object; its plaintext size (the stored size is not it). */
export const LAYOUT_META = 'bucketkit.sse-layout';
export const PLAIN_SIZE_META = 'bucketkit.sse-size';
/** Where a sealed object keeps its wrapped data key (a part's, before it is assembled). */
export const WRAPPED_META = 'bucketkit.sse-key';

const MAGIC = [0x42, 0x4b, 0x53, 0x43]; // "BKSC"
const WRAPPED_BYTES = 12 + 32 + 16;
/** Bytes of a segment header: magic, plaintext size (64-bit), wrapped data key. */
export const HEADER = MAGIC.length + 8 + WRAPPED_BYTES;

interface Segment {
  /** Offset of the part's first plaintext byte in the object. */
  plainStart: number;
  size: number;
  /** Offset of the segment's header in the stored body. */
  storedStart: number;
}

/** Whether a stored object is an assembled SSE-C object. */
export const isAssembled = (metadata: Metadata): boolean => metadata[LAYOUT_META] === 'parts';

/** The hidden metadata an assembled object of `size` plaintext bytes is written with. */
export const assembledMetadata = (size: number): Metadata => ({
  'bucketkit.sse': 'SSE-C',
  [LAYOUT_META]: 'parts',
  [PLAIN_SIZE_META]: String(size),
});

function segmentHeader(size: number, wrapped: string): Uint8Array {
  const key = fromBase64(wrapped);
  if (!key || key.byteLength !== WRAPPED_BYTES) throw corrupt('a part has no wrapped data key');
  const header = new Uint8Array(HEADER);
  header.set(MAGIC);
  new DataView(header.buffer).setBigUint64(MAGIC.length, BigInt(size));
  header.set(key, MAGIC.length + 8);
  return header;
}

const corrupt = (why: string, key?: string) =>
  s3Error('InternalError', 500, `the stored SSE-C object is damaged: ${why}`, key ? { key } : {});

/**
 * The stored body of an assembled object: each part's header and sealed chunks, read from the
 * bucket's own port as they lie (nothing opened). A part that changed since Complete checked its
 * ETag is `InvalidPart`.
 *
 * @example
 * ```ts
 * await port.put(key, assembleSealedParts(bucket.base, parts, signal), { metadata });
 * ```
 */
export async function* assembleSealedParts(
  port: StoragePort,
  parts: ReadonlyArray<{ key: string; etag: string; size: number }>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    const stored = await port.get(part.key, { signal, ifMatch: part.etag });
    const reader = stored.body.getReader();
    try {
      if (stored.metadata['bucketkit.sse'] !== 'SSE-C')
        throw corrupt('a part is not sealed with the customer key');
      yield segmentHeader(part.size, stored.metadata[WRAPPED_META] ?? '');
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        yield value;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}

/** The plaintext size of an assembled object. */
export const assembledSize = (metadata: Metadata): number => Number(metadata[PLAIN_SIZE_META] ?? 0);

/**
 * Where each part lies: from the recorded part sizes when the object kept them, else by reading each
 * segment's header in turn (objects with irregular part sizes).
 */
async function segmentsOf(port: StoragePort, info: ObjectInfo, signal?: AbortSignal): Promise<Segment[]> {
  const recorded = decodePartSizes(info.metadata[PARTS_META]);
  const segments: Segment[] = [];
  let plainStart = 0;
  let storedStart = 0;
  const add = (size: number) => {
    segments.push({ plainStart, size, storedStart });
    plainStart += size;
    storedStart += HEADER + sealedSize(size);
  };
  if (recorded) for (const size of recorded) add(size);
  else {
    while (storedStart < info.size) add((await readHeader(port, info, storedStart, signal)).size);
  }
  if (storedStart !== info.size || plainStart !== assembledSize(info.metadata)) {
    throw corrupt('its parts do not add up to its size', info.key);
  }
  return segments;
}

async function readHeader(
  port: StoragePort,
  info: ObjectInfo,
  at: number,
  signal?: AbortSignal,
): Promise<{ size: number; wrapped: string }> {
  const got = await port.get(info.key, {
    range: { start: at, end: at + HEADER - 1 },
    ifMatch: info.etag,
    ...(signal ? { signal } : {}),
  });
  const bytes = await got.bytes();
  if (bytes.byteLength !== HEADER || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt('a part header is missing', info.key);
  }
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(MAGIC.length));
  return { size, wrapped: toBase64(bytes.subarray(MAGIC.length + 8)) };
}

const wrongKey = (key: string) =>
  s3Error('AccessDenied', 403, 'Access Denied: the customer key is not the key the object was stored with', {
    key,
  });

/**
 * Checks `customer` against an assembled object (its first part's wrapped key), as HEAD does.
 *
 * @example
 * ```ts
 * await checkAssembledKey(port, info, scope.readKey);
 * ```
 */
export async function checkAssembledKey(
  port: StoragePort,
  info: ObjectInfo,
  customer: CustomerKey,
  signal?: AbortSignal,
): Promise<void> {
  const kek = await importWrappingKey(customer.raw);
  const { wrapped } = await readHeader(port, info, 0, signal);
  if (!(await unwrapKey(kek, wrapped, 'SSE-C'))) throw wrongKey(info.key);
}

/**
 * The plaintext bytes `want.start..want.end` of an assembled object: for each part they touch, its
 * header and only the chunks covering them are read. The key is checked before this returns, so a
 * wrong key is a 403 rather than a cut body.
 *
 * @example
 * ```ts
 * const body = await openAssembled(port, info, { start: 0, end: size - 1 }, scope.readKey);
 * ```
 */
export async function openAssembled(
  port: StoragePort,
  info: ObjectInfo,
  want: { start: number; end: number },
  customer: CustomerKey,
  signal?: AbortSignal,
): Promise<AsyncGenerator<Uint8Array>> {
  const kek = await importWrappingKey(customer.raw);
  const segments = (await segmentsOf(port, info, signal)).filter(
    (s) => s.size > 0 && s.plainStart <= want.end && s.plainStart + s.size - 1 >= want.start,
  );
  const dataKeyOf = async (segment: Segment) => {
    const header = await readHeader(port, info, segment.storedStart, signal);
    if (header.size !== segment.size) throw corrupt('a part header names another size', info.key);
    const raw = await unwrapKey(kek, header.wrapped, 'SSE-C');
    if (!raw) throw wrongKey(info.key);
    return importDataKey(raw);
  };
  let first: DataKey | undefined;
  if (segments[0]) first = await dataKeyOf(segments[0]);
  else await checkAssembledKey(port, info, customer, signal);
  async function* read(): AsyncGenerator<Uint8Array> {
    for (const [i, segment] of segments.entries()) {
      const dataKey = i === 0 && first ? first : await dataKeyOf(segment);
      const start = Math.max(want.start, segment.plainStart) - segment.plainStart;
      const end = Math.min(want.end, segment.plainStart + segment.size - 1) - segment.plainStart;
      const chunks = sealedRange(start, end, segment.size);
      const base = segment.storedStart + HEADER;
      const stored = await port.get(info.key, {
        range: { start: base + chunks.start, end: base + chunks.end },
        ifMatch: info.etag,
        ...(signal ? { signal } : {}),
      });
      const opened = openChunks(chunksOf(stored.body), dataKey, {
        ...chunks,
        skip: start - chunks.first * CHUNK,
        size: segment.size,
        name: info.key,
      });
      yield* limited(opened, end - start + 1);
    }
  }
  return read();
}
