/**
 * `DeltaSpace.put`: the first archive becomes `reference.bin` (create-only) plus a zero-diff self-delta,
 * later ones a `<name>.delta` against it, and everything else (or a delta over `maxRatio`) `<name>` itself.
 * Writing one form deletes the other.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bkError } from '../errors.js';
import { assertValidMetadata } from '../storage/browser.js';
import type { Metadata } from '../storage/index.js';
import { sha256Hex } from './cache.js';
import { deltaMetadata, directMetadata, referenceMetadata, withUserMetadata } from './metadata.js';
import { checkName, DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import type { SpaceContext } from './space-context.js';
import { encodeFile, preparedMetadata, prepareFile } from './space-encode.js';
import { referenceProgress } from './space-progress.js';
import { writeOptions } from './space-read.js';
import { createReference, loadReference } from './space-reference.js';
import type { DeltaPutOptions, DeltaPutResult } from './space-types.js';

export const md5Hex = (bytes: Uint8Array) => bytesToHex(md5(bytes));

/** Stores `bytes` as `name` in the DeltaSpace `space` (see `DeltaSpace.put`). */
export async function putFile(
  space: SpaceContext,
  name: string,
  bytes: Uint8Array,
  options: DeltaPutOptions,
): Promise<DeltaPutResult> {
  checkName(name);
  assertValidMetadata(options.metadata);
  const common = { tool: space.tool, sha256: sha256Hex(bytes), md5: md5Hex(bytes), now: space.now() };
  const direct = withUserMetadata(directMetadata({ ...common, name, size: bytes.length }), options.metadata);
  assertValidMetadata(direct);
  if (options.direct || !space.policy.wants(name, bytes.length)) {
    return putDirect(space, name, bytes, direct, false, options);
  }
  if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
    throw bkError('InvalidArgument', 'conditions apply to direct writes only: pass { direct: true }', {
      details: { name },
    });
  }
  // A gzip file whose exact bytes cannot be rebuilt is stored as it is (before any reference exists).
  const file = prepareFile(name, bytes);
  if (!file) return putDirect(space, name, bytes, direct, false, options);
  const extra = preparedMetadata(file);
  // The delta's keys must fit next to the caller's metadata before the reference is created.
  const longest = {
    refKey: space.portPrefix + space.key(REFERENCE_NAME),
    refSha256: common.sha256,
    deltaSize: Number.MAX_SAFE_INTEGER,
  };
  const size = bytes.length;
  assertValidMetadata(
    withUserMetadata(
      { ...deltaMetadata({ ...common, ...longest, name, size, zeroDiff: true }), ...extra },
      options.metadata,
    ),
  );

  const refKey = space.key(REFERENCE_NAME);
  const referenceMeta = referenceMetadata({ ...common, sourceName: name });
  const { onProgress } = options;
  const createdReference = await createReference(space.port, refKey, bytes, referenceMeta, {
    ...options,
    onProgress: referenceProgress(onProgress, size),
    assumeSingleWriter: space.assumeSingleWriter,
  });
  let reference: { bytes: Uint8Array; sha256: string } | undefined;
  if (createdReference) {
    reference = { bytes, sha256: common.sha256 };
    await space.cache?.set(refKey, common.sha256, bytes);
  }
  reference ??= await loadReference(space.port, space.cache, refKey, undefined, options);

  const delta = await encodeFile(name, reference.bytes, file, onProgress, space.secondaryCompression);
  const zeroDiff = reference.sha256 === common.sha256;
  if (delta === undefined || (!zeroDiff && !space.policy.keeps(delta.length, bytes.length))) {
    // stored directly after all: progress stays near the end of the range until that write is done
    return putDirect(space, name, bytes, direct, createdReference, options, false);
  }
  const metadata = withUserMetadata(
    {
      ...deltaMetadata({
        ...common,
        name,
        size: bytes.length,
        refKey: space.portPrefix + refKey,
        refSha256: reference.sha256,
        deltaSize: delta.length,
        zeroDiff,
      }),
      ...extra,
    },
    options.metadata,
  );
  assertValidMetadata(metadata);
  const key = space.key(name + DELTA_SUFFIX);
  await space.port.put(key, delta, { ...writeOptions(options), metadata });
  await space.port.delete(space.key(name), options);
  onProgress?.({ loaded: size, total: size });
  const storedSize = delta.length;
  return {
    name,
    key,
    storedAs: 'delta',
    size: bytes.length,
    storedSize,
    createdReference,
    etag: common.md5,
  };
}

/** Stores `bytes` as the object `<name>` itself, with its `dg-*` metadata. */
export async function putDirect(
  space: SpaceContext,
  name: string,
  bytes: Uint8Array,
  metadata: Metadata,
  createdReference: boolean,
  options: DeltaPutOptions,
  uploadProgress = true,
): Promise<DeltaPutResult> {
  const key = space.key(name);
  const { ifMatch, ifNoneMatch, onProgress } = options;
  await space.port.put(key, bytes, {
    ...writeOptions(options),
    metadata,
    ...(onProgress && uploadProgress ? { onProgress } : {}),
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
  });
  await space.port.delete(space.key(name + DELTA_SUFFIX), options);
  const size = bytes.length;
  onProgress?.({ loaded: size, total: size });
  return { name, key, storedAs: 'direct', size, storedSize: size, createdReference, etag: md5Hex(bytes) };
}
