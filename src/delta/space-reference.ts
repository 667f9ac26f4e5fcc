/** A DeltaSpace's `reference.bin`: created once, race-free, and read back verified (through a cache). */
import { BucketkitError, bkError } from '../errors.js';
import type { Abortable, Metadata, PutOptions, StoragePort } from '../storage/index.js';
import { type ReferenceCache, sha256Hex } from './cache.js';
import { readField } from './metadata.js';

/**
 * Writes the reference create-only. True when this call created it, false when one was there already
 * (another writer's, which then serves as the reference). A port that cannot enforce create-only gets
 * `Unsupported`: two writers could otherwise both create it.
 *
 * @example
 * ```ts
 * const created = await createReference(port, 'releases/reference.bin', bytes, metadata, {});
 * ```
 */
export async function createReference(
  port: StoragePort,
  refKey: string,
  bytes: Uint8Array,
  metadata: Metadata,
  options: Abortable & Pick<PutOptions, 'onProgress'>,
): Promise<boolean> {
  try {
    await port.put(refKey, bytes, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ifNoneMatch: '*',
      contentType: 'application/octet-stream',
      metadata,
    });
    return true;
  } catch (err) {
    if (BucketkitError.is(err, 'Unsupported')) {
      throw bkError(
        'Unsupported',
        `a DeltaSpace creates reference.bin with a create-only write, which ${port.name} does not ` +
          'enforce; use a backend with conditional writes (AWS S3, Ceph RGW, MinIO, a file or memory port)',
        { cause: err, details: { key: refKey } },
      );
    }
    if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
    return false;
  }
}

/**
 * The reference, from the cache when it holds `expected` (or the SHA-256 a HEAD declares), else read
 * and checked against its declared and expected SHA-256 (`Corrupt` when either differs). `fresh`
 * skips the cache.
 *
 * @example
 * ```ts
 * const { bytes, sha256 } = await loadReference(port, cache, 'releases/reference.bin', undefined, {});
 * ```
 */
export async function loadReference(
  port: StoragePort,
  cache: ReferenceCache | undefined,
  refKey: string,
  expected: string | undefined,
  options: Abortable,
  fresh = false,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  if (cache && !fresh) {
    const sha = expected ?? readField((await port.head(refKey, options)).metadata, 'file-sha256');
    const hit = sha === undefined ? undefined : await cache.get(refKey, sha);
    if (hit) return { bytes: hit, sha256: sha as string };
  }
  const object = await port.get(refKey, options);
  const bytes = await object.bytes();
  const sha = sha256Hex(bytes);
  const declared = readField(object.metadata, 'file-sha256')?.toLowerCase();
  if (
    (declared !== undefined && declared !== sha) ||
    (expected !== undefined && expected.toLowerCase() !== sha)
  ) {
    throw bkError('Corrupt', 'the DeltaSpace reference does not match its SHA-256', {
      details: { key: refKey, sha256: sha, declared, expected },
    });
  }
  await cache?.set(refKey, sha, bytes);
  return { bytes, sha256: sha };
}
