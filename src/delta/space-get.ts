/**
 * `DeltaSpace.read`: a delta is decoded against the reference it names (found under either `dg-ref-key`
 * convention), gzip content rebuilt by its recipe; a direct object is read as it is. Both are checked
 * against the SHA-256 recorded at write time.
 */
import { BucketkitError, bkError } from '../errors.js';
import type { Abortable, Metadata, StoragePort } from '../storage/index.js';
import { externalCompression, inflateSource, rebuildTarget } from './external.js';
import { parseRecipe } from './gzip-rebuild.js';
import { readField } from './metadata.js';
import { checkName, DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import type { SpaceContext } from './space-context.js';
import { GZIP_RECIPE_KEY } from './space-encode.js';
import { describe, verifySha256 } from './space-read.js';
import { loadReference } from './space-reference.js';
import type { DeltaFileInfo } from './space-types.js';
import { ByteReader } from './vcdiff/bytes.js';
import { DEFAULT_MAX_TARGET, readHeader } from './vcdiff/decoder.js';
import { decodeVcdiffAsync } from './vcdiff/index.js';

export const isNotFound = (err: unknown) => BucketkitError.is(err, 'NotFound');

/** Reads `name` back from the DeltaSpace `space`, verified (see `DeltaSpace.read`). */
export async function readFile(
  space: SpaceContext,
  name: string,
  options: Abortable & { fresh?: boolean },
): Promise<{ bytes: Uint8Array; info: DeltaFileInfo }> {
  checkName(name);
  const deltaKey = space.key(name + DELTA_SUFFIX);
  let object: Awaited<ReturnType<StoragePort['get']>>;
  try {
    object = await space.port.get(deltaKey, options);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const direct = await space.port.get(space.key(name), options);
    const bytes = await direct.bytes();
    verifySha256(bytes, direct.metadata, direct.key);
    return { bytes, info: describe(name, 'direct', direct) };
  }
  const metadata = object.metadata;
  const delta = await object.bytes();
  const size = Number(readField(metadata, 'file-size') ?? Number.NaN);
  const external = externalCompression(readHeader(new ByteReader(delta)).appHeader);
  const expected = readField(metadata, 'ref-sha256');
  const { refKey, reference } = await referenceOf(space, metadata, expected, options);
  const source = external.source
    ? inflateSource(reference.bytes, external.source, refKey, DEFAULT_MAX_TARGET)
    : reference.bytes;
  const capped = external.target === undefined && Number.isSafeInteger(size);
  const decoded = await decodeVcdiffAsync(source, delta, capped ? { maxTargetSize: size } : {});
  const bytes = external.target
    ? rebuildTarget(
        decoded.target,
        external.target,
        readField(metadata, 'file-sha256'),
        deltaKey,
        parseRecipe(metadata[GZIP_RECIPE_KEY]),
      )
    : decoded.target;
  verifySha256(bytes, metadata, deltaKey);
  return { bytes, info: describe(name, 'delta', object) };
}

/**
 * The reference a delta was made against, as a key of the port, with its bytes. `dg-ref-key` is
 * relative to the bucket (DeltaGlider's convention, and ours since); bucketkit wrote it relative to
 * the port before, so through a prefixed port both readings are tried, this DeltaSpace's own reference
 * first. The proxy's `dg-ref-path` names a file of the delta's own folder.
 */
export async function referenceOf(
  space: SpaceContext,
  metadata: Metadata,
  expected: string | undefined,
  options: Abortable & { fresh?: boolean },
): Promise<{ refKey: string; reference: { bytes: Uint8Array; sha256: string } }> {
  const own = space.key(REFERENCE_NAME);
  const written = readField(metadata, 'ref-key');
  let candidates: string[];
  if (written === undefined) {
    const relative = readField(metadata, 'ref-path');
    candidates = [space.key(relative?.split('/').pop() || REFERENCE_NAME)];
  } else {
    const inPort = written.startsWith(space.portPrefix) ? [written.slice(space.portPrefix.length)] : [];
    candidates = [...new Set([...inPort, written])].filter((key) => key !== '');
    candidates.sort((a, b) => Number(b === own) - Number(a === own));
  }
  for (const [i, refKey] of candidates.entries()) {
    try {
      const reference = await loadReference(
        space.port,
        space.cache,
        refKey,
        expected,
        options,
        options.fresh,
      );
      return { refKey, reference };
    } catch (err) {
      if (!isNotFound(err) || i === candidates.length - 1) throw err;
    }
  }
  throw bkError('Corrupt', 'a delta without a reference key', { details: { prefix: space.prefix } });
}
