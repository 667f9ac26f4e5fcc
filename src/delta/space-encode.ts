/**
 * What a DeltaSpace encodes for a file: the file itself against the reference, or for a gzip file
 * (`.tar.gz`, `.tgz`, `.gz`) its gunzipped content against the gunzipped reference, with the recipe that
 * rebuilds the exact gzip bytes. A gzip delta is decoded and rebuilt before it is kept: if that does not
 * give back the file's SHA-256, the file is stored directly.
 */
import type { Metadata } from '../storage/index.js';
import { sha256Hex } from './cache.js';
import { gzipAppHeader } from './external.js';
import { findRecipe, formatRecipe, type GzipRecipe, gunzip, isGzip, rebuildGzip } from './gzip-rebuild.js';
import { isGzipName } from './policy.js';
import { encodeWithProgress, type OnProgress } from './space-progress.js';
import { DEFAULT_MAX_TARGET } from './vcdiff/decoder.js';
import { decodeVcdiffAsync } from './vcdiff/index.js';

/** How a DeltaSpace compresses its deltas' sections: like `xdelta3 -S lzma` (default) or not at all. */
export type SecondaryCompression = 'lzma' | 'none';

/** The metadata key holding a gzip file's rebuild recipe (bucketkit's; DeltaGlider ignores it). */
export const GZIP_RECIPE_KEY = 'bk-gzip-rebuild';

/** A file ready to encode; `gzip` when it is stored as a delta over its gunzipped content. */
export interface PreparedFile {
  bytes: Uint8Array;
  gzip?: { inflated: Uint8Array; recipe: GzipRecipe };
}

/**
 * The file as it will be encoded, or undefined when it must be stored directly: a gzip file that does
 * not gunzip, or whose exact bytes no recipe rebuilds (found before any reference is created).
 *
 * @example
 * ```ts
 * const file = prepareFile('app-1.2.tgz', bytes); // { bytes, gzip: { inflated, recipe } }
 * ```
 */
export function prepareFile(name: string, bytes: Uint8Array): PreparedFile | undefined {
  if (!isGzipName(name) || !isGzip(bytes)) return isGzipName(name) ? undefined : { bytes };
  const inflated = gunzip(bytes, DEFAULT_MAX_TARGET);
  const recipe = inflated && findRecipe(bytes, inflated);
  return inflated && recipe ? { bytes, gzip: { inflated, recipe } } : undefined;
}

/** The metadata a prepared file's delta carries beside the dg-* keys. */
export function preparedMetadata(file: PreparedFile): Metadata {
  return file.gzip ? { [GZIP_RECIPE_KEY]: formatRecipe(file.gzip.recipe) } : {};
}

/**
 * The delta of `file` against `reference`, or undefined when a gzip delta does not rebuild the file.
 *
 * @example
 * ```ts
 * const delta = await encodeFile('app-1.2.tgz', reference.bytes, file, onProgress);
 * ```
 */
export async function encodeFile(
  name: string,
  reference: Uint8Array,
  file: PreparedFile,
  onProgress: OnProgress,
  secondary: SecondaryCompression = 'lzma',
): Promise<Uint8Array | undefined> {
  if (!file.gzip) return encodeWithProgress(reference, file.bytes, onProgress, { secondary });
  const inflatedReference = isGzip(reference) ? gunzip(reference, DEFAULT_MAX_TARGET) : undefined;
  const source = inflatedReference ?? reference;
  const appHeader = gzipAppHeader(name, inflatedReference !== undefined);
  const delta = encodeWithProgress(source, file.gzip.inflated, onProgress, { appHeader, secondary });
  const { target } = await decodeVcdiffAsync(source, delta);
  const rebuilt = rebuildGzip(target, file.gzip.recipe);
  return rebuilt && sha256Hex(rebuilt) === sha256Hex(file.bytes) ? delta : undefined;
}
