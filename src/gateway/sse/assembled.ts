/**
 * SSE-C objects assembled from their sealed parts. S3 completes an SSE-C multipart upload without the
 * customer key, so CompleteMultipartUpload cannot open the parts and seal the object again: it joins
 * the parts as UploadPart stored them. The stored body is one segment per part, in order: a header
 * (magic, part number, the part's plaintext size, its data key wrapped by the customer key) and then
 * the part's sealed chunks. Each wrapped key is bound to its upload and part number (partContext), and
 * the object's metadata lists the part numbers, so a segment read in another place fails. Reads
 * unwrap each segment's key with the customer key the read sends; the gateway never holds anything
 * that opens the object.
 */
import { BucketkitError } from '../../errors.js';
import {
  fromBase64,
  type GetResult,
  importWrappingKey,
  type Metadata,
  type ObjectInfo,
  type StoragePort,
  sealedSize,
  toBase64,
  unwrapKey,
} from '../../storage/index.js';
import { storedChunks } from '../body.js';
import { decodePartSizes, PARTS_META } from '../meta/index.js';
import { s3Error } from '../s3-errors.js';
import { partContext } from './listing.js';
import type { CustomerKey } from './request.js';

/** Hidden metadata: `parts` marks an assembled object; its plaintext size (the stored size is not it). */
export const LAYOUT_META = 'bucketkit.sse-layout';
export const PLAIN_SIZE_META = 'bucketkit.sse-size';
/** The upload the parts came from, and their part numbers (`1-3,5`), which the wrapped keys are bound to. */
const UPLOAD_META = 'bucketkit.sse-upload';
const NUMBERS_META = 'bucketkit.sse-parts';
/** Where a sealed object keeps its wrapped data key (a part's, before it is assembled). */
export const WRAPPED_META = 'bucketkit.sse-key';

const MAGIC = [0x42, 0x4b, 0x53, 0x43]; // "BKSC"
const WRAPPED_BYTES = 12 + 32 + 16;
/** Bytes of a segment header: magic, part number (32-bit), plaintext size (64-bit), wrapped data key. */
export const HEADER = MAGIC.length + 4 + 8 + WRAPPED_BYTES;
const SIZE_AT = MAGIC.length + 4;
const KEY_AT = SIZE_AT + 8;

export interface Segment {
  /** The part number the segment's key is bound to. */
  n: number;
  /** Offset of the part's first plaintext byte in the object. */
  plainStart: number;
  size: number;
  /** Offset of the segment's header in the stored body. */
  storedStart: number;
}

/** Whether a stored object is an assembled SSE-C object. */
export const isAssembled = (metadata: Metadata): boolean => metadata[LAYOUT_META] === 'parts';

/** Part numbers as runs (`1-3,5`); the usual upload (1 to N) is one run. */
function encodeNumbers(numbers: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    runs.push(j === i ? String(numbers[i]) : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

function decodeNumbers(text: string | undefined): number[] | undefined {
  if (!text || !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return undefined;
  const numbers: number[] = [];
  for (const run of text.split(',')) {
    const [first, last = first] = run.split('-').map(Number) as [number, number?];
    for (let n = first; n <= last! && numbers.length <= 10_000; n++) numbers.push(n);
  }
  return numbers.length > 10_000 ? undefined : numbers;
}

/** The hidden metadata of an object assembled from upload `uploadId`'s parts `numbers` (`size` plaintext bytes). */
export function assembledMetadata(size: number, uploadId: string, numbers: readonly number[]): Metadata {
  const listed = encodeNumbers(numbers);
  return {
    'bucketkit.sse': 'SSE-C',
    [LAYOUT_META]: 'parts',
    [PLAIN_SIZE_META]: String(size),
    [UPLOAD_META]: uploadId,
    // kept when short (metadata is 2 KiB); otherwise reads check the headers' order instead
    ...(listed.length <= 512 ? { [NUMBERS_META]: listed } : {}),
  };
}

function segmentHeader(n: number, size: number, wrapped: string): Uint8Array {
  const key = fromBase64(wrapped);
  if (!key || key.byteLength !== WRAPPED_BYTES) throw corrupt('a part has no wrapped data key');
  const header = new Uint8Array(HEADER);
  header.set(MAGIC);
  const view = new DataView(header.buffer);
  view.setUint32(MAGIC.length, n);
  view.setBigUint64(SIZE_AT, BigInt(size));
  header.set(key, KEY_AT);
  return header;
}

export const corrupt = (why: string, key?: string) =>
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
  parts: ReadonlyArray<{ key: string; n: number; etag: string; size: number }>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    const stored = await port.get(part.key, { signal, ifMatch: part.etag });
    yield* storedChunks(stored.body, () => {
      if (stored.metadata['bucketkit.sse'] !== 'SSE-C')
        throw corrupt('a part is not sealed with the customer key');
      return segmentHeader(part.n, part.size, stored.metadata[WRAPPED_META] ?? '');
    });
  }
}

/** The plaintext size of an assembled object. */
export const assembledSize = (metadata: Metadata): number => Number(metadata[PLAIN_SIZE_META] ?? 0);

/**
 * Where each part lies and which part number it must be: from the recorded part sizes and numbers
 * when the object kept them, else by reading each segment's header in turn (numbers rising).
 */
export async function segmentsOf(
  port: StoragePort,
  info: ObjectInfo,
  signal?: AbortSignal,
): Promise<Segment[]> {
  const sizes = decodePartSizes(info.metadata[PARTS_META]);
  const numbers = decodeNumbers(info.metadata[NUMBERS_META]);
  const segments: Segment[] = [];
  let plainStart = 0;
  let storedStart = 0;
  const add = (n: number, size: number) => {
    segments.push({ n, plainStart, size, storedStart });
    plainStart += size;
    storedStart += HEADER + sealedSize(size);
  };
  if (sizes && numbers && sizes.length === numbers.length) {
    for (const [i, size] of sizes.entries()) add(numbers[i]!, size);
  } else {
    while (storedStart < info.size) {
      const header = await readHeader(port, info, storedStart, signal);
      if (header.n <= (segments.at(-1)?.n ?? 0)) throw corrupt('its parts are out of order', info.key);
      add(header.n, header.size);
    }
  }
  if (storedStart !== info.size || plainStart !== assembledSize(info.metadata)) {
    throw corrupt('its parts do not add up to its size', info.key);
  }
  return segments;
}

/** What a segment header says: the part number, the part's plaintext size, its wrapped data key. */
export interface SegmentHeader {
  n: number;
  size: number;
  wrapped: string;
}

/** The segment header at stored offset `at` of an assembled object (one ranged read). */
export async function readHeader(
  port: StoragePort,
  info: ObjectInfo,
  at: number,
  signal?: AbortSignal,
): Promise<SegmentHeader> {
  const got = await port.get(info.key, {
    range: { start: at, end: at + HEADER - 1 },
    ifMatch: info.etag,
    ...(signal ? { signal } : {}),
  });
  return parseHeader(await got.bytes(), info);
}

/** A segment header from its bytes; a short or unmarked one is a damaged object. */
export function parseHeader(bytes: Uint8Array, info: ObjectInfo): SegmentHeader {
  if (bytes.byteLength !== HEADER || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt('a part header is missing', info.key);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const size = Number(view.getBigUint64(SIZE_AT));
  return { n: view.getUint32(MAGIC.length), size, wrapped: toBase64(bytes.subarray(KEY_AT)) };
}

export const wrongKey = (key: string) =>
  s3Error('AccessDenied', 403, 'Access Denied: the customer key is not the key the object was stored with', {
    key,
  });

/**
 * Checks `customer` against an assembled object (its first part's wrapped key), as HEAD does: from
 * `lead`, the object's first bytes when the HEAD read them (`headWithLead`), else read here.
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
  lead?: Uint8Array,
): Promise<void> {
  const kek = await importWrappingKey(customer.raw);
  const { n, wrapped } = lead ? parseHeader(lead, info) : await readHeader(port, info, 0, signal);
  if (!(await unwrapKey(kek, wrapped, partContext(uploadOf(info), n)))) throw wrongKey(info.key);
}

/**
 * A HEAD that brings an assembled object's first part header along: a GET of the object's first
 * bytes answers with its metadata too, so checking a customer key costs one request, not two. The
 * bytes are kept for an assembled object only; an empty object (no first bytes) is looked at by HEAD.
 *
 * @example
 * ```ts
 * const { info, lead } = await headWithLead(port, key);
 * if (isAssembled(info.metadata)) await checkAssembledKey(port, info, customer, undefined, lead);
 * ```
 */
export async function headWithLead(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): Promise<{ info: ObjectInfo; lead?: Uint8Array }> {
  let got: GetResult;
  try {
    got = await port.get(key, { range: { start: 0, end: HEADER - 1 }, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (BucketkitError.is(err, 'InvalidRange'))
      return { info: await port.head(key, signal ? { signal } : {}) };
    throw err;
  }
  const info: ObjectInfo = {
    key: got.key,
    size: got.size,
    etag: got.etag,
    lastModified: got.lastModified,
    metadata: got.metadata,
    ...(got.contentType !== undefined ? { contentType: got.contentType } : {}),
  };
  if (!isAssembled(got.metadata) || got.range?.start !== 0) {
    await got.body.cancel().catch(() => {});
    return { info };
  }
  return { info, lead: await got.bytes() };
}

/** The upload an assembled object's parts came from, which their wrapped keys are bound to. */
export function uploadOf(info: ObjectInfo): string {
  const id = info.metadata[UPLOAD_META] ?? '';
  if (!/^[0-9a-f]{32}$/.test(id)) throw corrupt('it does not name its upload', info.key);
  return id;
}
