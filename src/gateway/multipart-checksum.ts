import type { Metadata, StoragePort } from '../storage/index.js';
import type { RequestContext } from './context.js';
import { header } from './http.js';
import {
  CHECKSUM_META,
  type ChecksumType,
  checksumElement,
  compositeChecksum,
  keepLateChecksum,
  type StoredChecksum,
} from './meta/index.js';
import { s3Error } from './s3-errors.js';
import { type ChecksumAlgorithm, checksumAlgorithmOf, createChecksum } from './sigv4/index.js';
import { childrenNamed, childText, parseXml } from './xml.js';

/** What CompleteMultipartUpload does about the checksum the upload was created with. */
export interface Completion {
  /** Wraps the concatenated parts: computes a FULL_OBJECT checksum and fails the write on a mismatch. */
  tap(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
  /** The checksum entry to write with the object. */
  metadata: Metadata;
  /** After the write: keeps a value computed while streaming; returns the checksum to report. */
  finish(port: StoragePort, etag: string): Promise<StoredChecksum | undefined>;
}

/**
 * The checksum of a completed upload: COMPOSITE from the part checksums the Complete document lists
 * (each checked against its part's bytes as the parts are joined), FULL_OBJECT computed over the bytes as the parts are
 * joined and compared with the request's `x-amz-checksum-*` header when it sends one. A port with its
 * own multipart API joins the parts itself, so a FULL_OBJECT value cannot be computed and none is kept.
 */
export function completion(
  ctx: RequestContext,
  created: Metadata,
  xml: string,
  parts: ReadonlyArray<{ n: number; size: number }>,
  streamed: boolean,
): Completion {
  const entry = /^([a-z0-9]+):(FULL_OBJECT|COMPOSITE):$/.exec(created[CHECKSUM_META] ?? '');
  const algorithm = entry ? checksumAlgorithmOf(entry[1]!) : undefined;
  if (!entry || !algorithm) {
    return { tap: (body) => body, metadata: {}, finish: async () => undefined };
  }
  const type = entry[2] as ChecksumType;
  if (type === 'COMPOSITE') {
    const listed = listedChecksums(xml, algorithm, parts);
    const value = compositeChecksum(algorithm, listed);
    const stored = { algorithm, type, value };
    return {
      tap: (body) => (streamed ? verifyParts(body, algorithm, parts, listed) : body),
      metadata: { [CHECKSUM_META]: `${algorithm}:${type}:${value}` },
      finish: async () => stored,
    };
  }
  if (!streamed) return { tap: (body) => body, metadata: {}, finish: async () => undefined };
  const claimed = header(ctx.req.headers, `x-amz-checksum-${algorithm}`);
  let computed: string | undefined;
  return {
    async *tap(body) {
      const sum = createChecksum(algorithm);
      for await (const chunk of body) {
        sum.update(chunk);
        yield chunk;
      }
      computed = sum.digest();
      if (claimed && claimed !== computed) {
        throw s3Error(
          'BadDigest',
          400,
          `The ${algorithm} you specified did not match the calculated checksum.`,
        );
      }
    },
    metadata: { [CHECKSUM_META]: `${algorithm}:${type}:@` },
    async finish(port, etag) {
      if (computed === undefined) return undefined;
      await keepLateChecksum(
        port,
        { [CHECKSUM_META]: `${algorithm}:${type}:@` },
        etag,
        { [`x-amz-checksum-${algorithm}`]: computed },
        ctx.signal,
      );
      return { algorithm, type, value: computed };
    },
  };
}

/**
 * Checks each part's bytes against the checksum Complete lists for it as the parts are joined; a
 * mismatch throws before the last byte, so the write is never committed.
 */
async function* verifyParts(
  body: AsyncIterable<Uint8Array>,
  algorithm: ChecksumAlgorithm,
  parts: ReadonlyArray<{ n: number; size: number }>,
  listed: readonly string[],
): AsyncIterable<Uint8Array> {
  let index = 0;
  let left = parts[0]?.size ?? 0;
  let sum = createChecksum(algorithm);
  const close = () => {
    if (sum.digest() !== listed[index]) {
      throw s3Error(
        'InvalidPart',
        400,
        `the ${algorithm} checksum listed for part ${parts[index]!.n} does not match the part's bytes`,
        { partNumber: parts[index]!.n },
      );
    }
    index++;
    left = parts[index]?.size ?? 0;
    sum = createChecksum(algorithm);
  };
  while (index < parts.length && left === 0) close();
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (index >= parts.length) {
        throw s3Error('InternalError', 500, 'the joined parts hold more bytes than their listed sizes');
      }
      const take = Math.min(left, chunk.byteLength - offset);
      sum.update(chunk.subarray(offset, offset + take));
      offset += take;
      left -= take;
      while (index < parts.length && left === 0) close();
    }
    yield chunk;
  }
}

function listedChecksums(
  xml: string,
  algorithm: ChecksumAlgorithm,
  parts: ReadonlyArray<{ n: number }>,
): string[] {
  const byNumber = new Map<number, string>();
  for (const part of childrenNamed(parseXml(xml), 'Part')) {
    const value = childText(part, checksumElement(algorithm));
    if (value !== undefined) byNumber.set(Number(childText(part, 'PartNumber')), value.trim());
  }
  return parts.map(({ n }) => {
    const value = byNumber.get(n);
    if (!value) {
      throw s3Error(
        'InvalidRequest',
        400,
        `The upload was created using a ${algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${n} in the request.`,
      );
    }
    return value;
  });
}
