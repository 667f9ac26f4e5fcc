/** A DeltaSpace's `reference.bin`: created once, race-free, and read back verified (through a cache). */
import { BucketkitError, bkError } from '../errors.js';
import { log } from '../logger.js';
import type { Abortable, Metadata, PutOptions, StoragePort } from '../storage/index.js';
import { type ReferenceCache, sha256Hex } from './cache.js';
import { readField } from './metadata.js';

/** Ports already warned about (once each): references created there without a create-only write. */
const warned = new WeakSet<StoragePort>();

/**
 * Writes the reference create-only. True when this call created it, false when one was there already
 * (another writer's, which then serves as the reference). A port that cannot enforce create-only gets
 * `Unsupported`: two writers could otherwise both create it. With `assumeSingleWriter` the caller vouches
 * that no one else writes the DeltaSpace: the reference is then created after a HEAD finds none, and a
 * warning is logged once per port.
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
  options: Abortable & Pick<PutOptions, 'onProgress'> & { assumeSingleWriter?: boolean },
): Promise<boolean> {
  const write = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    contentType: 'application/octet-stream',
    metadata,
  };
  try {
    await port.put(refKey, bytes, { ...write, ifNoneMatch: '*' });
    return true;
  } catch (err) {
    if (BucketkitError.is(err, 'Unsupported')) {
      if (options.assumeSingleWriter) return createUnguarded(port, refKey, bytes, write);
      throw bkError(
        'Unsupported',
        `a DeltaSpace creates reference.bin with a create-only write, which ${port.name} does not ` +
          'enforce; use a backend with conditional writes (AWS S3, Ceph RGW, MinIO, a file or memory port), ' +
          'or pass assumeSingleWriter: true (CLI --single-writer) if only this process writes there',
        { cause: err, details: { key: refKey } },
      );
    }
    if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
    return false;
  }
}

async function createUnguarded(
  port: StoragePort,
  refKey: string,
  bytes: Uint8Array,
  write: PutOptions,
): Promise<boolean> {
  if (!warned.has(port)) {
    warned.add(port);
    log('warn', 'delta', 'creating reference.bin without a create-only write (assumeSingleWriter)', {
      port: port.name,
      why: 'the backend does not enforce conditional writes; a second writer could replace the reference',
    });
  }
  try {
    await port.head(refKey, write.signal ? { signal: write.signal } : {});
    return false;
  } catch (err) {
    if (!BucketkitError.is(err, 'NotFound')) throw err;
  }
  await port.put(refKey, bytes, write);
  return true;
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
