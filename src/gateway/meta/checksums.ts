import type { IncomingHttpHeaders } from 'node:http';
import { BucketkitError } from '../../errors.js';
import type { Metadata, StoragePort } from '../../storage/index.js';
import { RESERVED_PREFIX } from '../context.js';
import { HIDDEN_PREFIX, header } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { type ChecksumAlgorithm, checksumAlgorithmOf, createChecksum } from '../sigv4/index.js';

/*
 * Checksums kept with the object. The hidden metadata entry `bucketkit.checksum` is
 * `algorithm:TYPE:value`. A value sent in a header is known before the body and goes inline; one sent
 * as a trailer (after the body, so after the metadata was written) goes to a sidecar named by the
 * object's ETag — the checksum is a function of the bytes, so the sidecar can never describe other
 * content — and the entry holds `algorithm:TYPE:@`.
 */

export const CHECKSUM_META = `${HIDDEN_PREFIX}checksum`;
const SIDECAR_PREFIX = `${RESERVED_PREFIX}checksums/`;
const LATER = '@';

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** A stored checksum: algorithm, type and base64 value (`-N` appended for a composite one). */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
  value: string;
}

/**
 * The checksum a PUT or UploadPart declares before its body: a value in an `x-amz-checksum-*` header,
 * or an algorithm whose value comes in a trailer (`x-amz-trailer`) or is computed
 * (`x-amz-sdk-checksum-algorithm`).
 */
export function declaredChecksum(
  headers: IncomingHttpHeaders,
): { algorithm: ChecksumAlgorithm; value?: string } | undefined {
  for (const name of Object.keys(headers)) {
    const algorithm = name.startsWith('x-amz-checksum-') ? checksumAlgorithmOf(name) : undefined;
    if (algorithm) return { algorithm, value: header(headers, name) };
  }
  const trailer = checksumAlgorithmOf(header(headers, 'x-amz-trailer').split(',')[0] ?? '');
  const sdk = checksumAlgorithmOf(header(headers, 'x-amz-sdk-checksum-algorithm'));
  const algorithm = trailer ?? sdk;
  return algorithm ? { algorithm } : undefined;
}

/** The metadata entry for a PUT's declared checksum (value inline when already known). */
export function checksumMetadata(
  declared: { algorithm: ChecksumAlgorithm; value?: string } | undefined,
): Metadata {
  if (!declared) return {};
  return { [CHECKSUM_META]: `${declared.algorithm}:FULL_OBJECT:${declared.value ?? LATER}` };
}

/**
 * After a PUT whose checksum came after the body: keeps the verified value in the sidecar the
 * object's metadata points at. `verified` is what the signature layer checked (`auth.checksums()`).
 */
export async function keepLateChecksum(
  port: StoragePort,
  metadata: Metadata,
  etag: string,
  verified: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const entry = metadata[CHECKSUM_META];
  if (!entry?.endsWith(`:${LATER}`)) return;
  const algorithm = entry.slice(0, entry.indexOf(':'));
  const value = verified[`x-amz-checksum-${algorithm}`];
  if (value)
    await port.put(`${SIDECAR_PREFIX}${etag}.${algorithm}`, value, { ...(signal ? { signal } : {}) });
}

/**
 * The checksum stored with an object, reading the sidecar when the value came in a trailer; undefined
 * when the object was written without one.
 */
export async function storedChecksum(
  port: StoragePort,
  object: { etag: string; metadata: Metadata },
  signal?: AbortSignal,
): Promise<StoredChecksum | undefined> {
  const entry = object.metadata[CHECKSUM_META];
  const match = entry ? /^([a-z0-9]+):(FULL_OBJECT|COMPOSITE):(.+)$/.exec(entry) : null;
  const algorithm = match ? checksumAlgorithmOf(match[1]!) : undefined;
  if (!match || !algorithm) return undefined;
  let value = match[3]!;
  if (value === LATER) {
    try {
      value = await (
        await port.get(`${SIDECAR_PREFIX}${object.etag}.${algorithm}`, { ...(signal ? { signal } : {}) })
      ).text();
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  }
  return { algorithm, type: match[2] as ChecksumType, value };
}

/** `x-amz-checksum-<algorithm>` and `x-amz-checksum-type` response headers for a stored checksum. */
export function checksumHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value, 'x-amz-checksum-type': checksum.type };
}

/** The XML element name S3 uses for an algorithm's value (`ChecksumCRC32`). */
export const checksumElement = (algorithm: ChecksumAlgorithm): string => `Checksum${algorithm.toUpperCase()}`;

/**
 * The checksum algorithm and type a CreateMultipartUpload asks for (`x-amz-checksum-algorithm`,
 * `x-amz-checksum-type`), checked as S3 checks them.
 */
export function multipartChecksum(
  headers: IncomingHttpHeaders,
): { algorithm: ChecksumAlgorithm; type: ChecksumType } | undefined {
  const name = header(headers, 'x-amz-checksum-algorithm');
  const typeText = header(headers, 'x-amz-checksum-type').toUpperCase();
  if (!name) {
    if (typeText) throw s3Error('InvalidRequest', 400, 'x-amz-checksum-type needs x-amz-checksum-algorithm');
    return undefined;
  }
  const algorithm = checksumAlgorithmOf(name);
  if (!algorithm) throw s3Error('InvalidRequest', 400, `unknown x-amz-checksum-algorithm "${name}"`);
  const crc = algorithm.startsWith('crc');
  const type = (typeText || (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE')) as ChecksumType;
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE')
    throw s3Error('InvalidRequest', 400, 'x-amz-checksum-type must be COMPOSITE or FULL_OBJECT');
  if ((type === 'FULL_OBJECT' && !crc) || (type === 'COMPOSITE' && algorithm === 'crc64nvme')) {
    throw s3Error(
      'InvalidRequest',
      400,
      `The ${type} checksum type cannot be used with the ${algorithm} checksum algorithm.`,
    );
  }
  return { algorithm, type };
}

/**
 * A composite multipart checksum: the algorithm over the concatenated binary part checksums, `-N`.
 *
 * @example
 * ```ts
 * compositeChecksum('crc32', ['NhCmhg==', 'AAAAAA==']); // '…-2'
 * ```
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, parts: readonly string[]): string {
  const sum = createChecksum(algorithm);
  for (const part of parts) sum.update(Buffer.from(part, 'base64'));
  return `${sum.digest()}-${parts.length}`;
}
