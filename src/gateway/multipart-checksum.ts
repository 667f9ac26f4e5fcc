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
 * (each was verified when its part was uploaded), FULL_OBJECT computed over the bytes as the parts are
 * joined and compared with the request's `x-amz-checksum-*` header when it sends one. A port with its
 * own multipart API joins the parts itself, so a FULL_OBJECT value cannot be computed and none is kept.
 */
export function completion(
  ctx: RequestContext,
  created: Metadata,
  xml: string,
  parts: ReadonlyArray<{ n: number }>,
  streamed: boolean,
): Completion {
  const entry = /^([a-z0-9]+):(FULL_OBJECT|COMPOSITE):$/.exec(created[CHECKSUM_META] ?? '');
  const algorithm = entry ? checksumAlgorithmOf(entry[1]!) : undefined;
  if (!entry || !algorithm) {
    return { tap: (body) => body, metadata: {}, finish: async () => undefined };
  }
  const type = entry[2] as ChecksumType;
  if (type === 'COMPOSITE') {
    const value = compositeChecksum(algorithm, listedChecksums(xml, algorithm, parts));
    const stored = { algorithm, type, value };
    return {
      tap: (body) => body,
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
