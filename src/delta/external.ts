/**
 * Deltas over gunzipped content, as xdelta3 makes them without `-D` (DeltaGlider's Python CLI) and as
 * bucketkit stores `.tar.gz`/`.tgz`/`.gz`: the app header notes `G` (`target/G/source/G`), the source is
 * the gunzipped reference, and the file is gzipped again after decoding. We rebuild only bytes whose
 * SHA-256 matches the metadata: with the recipe bucketkit recorded, else the ways xdelta3 and zlib
 * compress (`gzip -c` first); anything else is `Unsupported`, never different bytes.
 */
import { bkError } from '../errors.js';
import { sha256Hex } from './cache.js';
import { type GzipRecipe, gunzip, hasZlib, LEGACY_RECIPES, rebuildGzip } from './gzip-rebuild.js';

/** xdelta3's external compression ids: G gzip, B bzip2, Z compress, Y xz. */
export interface ExternalCompression {
  target?: string;
  source?: string;
}

/** Reads the compressor ids out of xdelta3's app header `<target>/<comp>/<source>/<comp>`. */
export function externalCompression(appHeader: Uint8Array | undefined): ExternalCompression {
  if (appHeader === undefined) return {};
  const parts = new TextDecoder().decode(appHeader).split('/');
  const out: ExternalCompression = {};
  if (parts.length >= 4 && parts[1]) out.target = parts[1];
  if (parts.length >= 4 && parts[3]) out.source = parts[3];
  return out;
}

/** The app header bucketkit writes for a gzip file's delta: `G` for the target, and for a gzip reference. */
export function gzipAppHeader(name: string, referenceIsGzip: boolean): Uint8Array {
  return new TextEncoder().encode(`${name}/G/reference.bin/${referenceIsGzip ? 'G' : ''}`);
}

function unsupported(key: string, compressor: string, why: string): never {
  throw bkError(
    'Unsupported',
    `this delta was made by xdelta3 over decompressed input (external compression "${compressor}"); ${why}`,
    { details: { key, compressor } },
  );
}

/** The decompressed reference, for a delta whose source was gunzipped. */
export function inflateSource(
  reference: Uint8Array,
  compressor: string,
  key: string,
  maxSize: number,
): Uint8Array {
  if (compressor !== 'G') unsupported(key, compressor, 'only gzip (G) can be read');
  if (!hasZlib) unsupported(key, compressor, "gunzipping the reference needs Node's zlib (not in a browser)");
  const inflated = gunzip(reference, maxSize);
  if (inflated) return inflated;
  throw bkError('Corrupt', 'the reference of a gzip delta does not gunzip', { details: { key } });
}

/**
 * Gzips `inflated` again into the bytes with SHA-256 `expected`: with `recipe` when the writer recorded
 * one, else trying xdelta3's `gzip -c` and zlib's levels; `Unsupported` when none gives them back.
 */
export function rebuildTarget(
  inflated: Uint8Array,
  compressor: string,
  expected: string | undefined,
  key: string,
  recipe?: GzipRecipe,
): Uint8Array {
  if (compressor !== 'G') unsupported(key, compressor, 'only gzip (G) can be rebuilt');
  if (expected === undefined)
    unsupported(key, compressor, 'without a recorded SHA-256 the exact bytes cannot be checked');
  let tried = false;
  for (const candidate of recipe ? [recipe] : LEGACY_RECIPES) {
    const made = rebuildGzip(inflated, candidate);
    if (!made) continue;
    tried = true;
    if (sha256Hex(made) === expected.toLowerCase()) return made;
  }
  return unsupported(
    key,
    compressor,
    tried
      ? `recompressing it (${recipe ? `the recorded ${recipe.tool} -${recipe.level}` : 'gzip -c, zlib and gzip -n at levels 1-9'}) does not give back the stored bytes, so it cannot be read byte for byte`
      : `rebuilding its exact gzip bytes needs ${recipe?.tool === 'gzip' ? 'the gzip program installed' : "Node's zlib (not in a browser)"}`,
  );
}
