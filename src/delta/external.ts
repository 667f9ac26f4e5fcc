/**
 * DeltaGlider's Python CLI runs xdelta3 without `-D`, so for gzip/bzip2/xz inputs xdelta3 diffs the
 * *decompressed* bytes and notes it in the app header (`target/G/source/G`); its decoder recompresses
 * with `gzip -c`. We rebuild such files only when a recompression gives back exactly the bytes that were
 * stored (their SHA-256 is in the metadata); anything else is `Unsupported`, never different bytes.
 */
import { bkError } from '../errors.js';
import { sha256Hex } from './cache.js';

interface Zlib {
  gunzipSync(bytes: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  gzipSync(bytes: Uint8Array, options: { level: number; strategy: number }): Uint8Array;
  constants: { Z_DEFAULT_STRATEGY: number };
}

/**
 * node:zlib, found at run time so that browser bundles of the delta module never import it: rebuilding
 * gzip bytes exactly needs zlib's own deflate, which browsers do not offer.
 */
const zlib = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => Zlib | undefined } }
).process?.getBuiltinModule?.('node:zlib');

function needZlib(key: string, compressor: string): Zlib {
  if (!zlib)
    unsupported(key, compressor, "rebuilding its exact gzip bytes needs Node's zlib (not in a browser)");
  return zlib;
}

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

function unsupported(key: string, compressor: string, why: string): never {
  throw bkError(
    'Unsupported',
    `this delta was made by xdelta3 over decompressed input (external compression "${compressor}"); ${why}`,
    { details: { key, compressor } },
  );
}

/** The decompressed reference, for a delta whose source was gunzipped by xdelta3. */
export function inflateSource(
  reference: Uint8Array,
  compressor: string,
  key: string,
  maxSize: number,
): Uint8Array {
  if (compressor !== 'G') unsupported(key, compressor, 'only gzip (G) can be read');
  const { gunzipSync } = needZlib(key, compressor);
  try {
    return new Uint8Array(gunzipSync(reference, { maxOutputLength: maxSize }));
  } catch (cause) {
    throw bkError('Corrupt', 'the reference of a gzip delta does not gunzip', { cause, details: { key } });
  }
}

/** gzip settings tried in order: zlib's default level first, then the others. */
const LEVELS = [6, 9, 1, 2, 3, 4, 5, 7, 8];

/**
 * Recompresses `inflated` with gzip until the result has SHA-256 `expected`; `Unsupported` when no
 * setting rebuilds the exact bytes (GNU gzip's deflate differs from zlib's, a file name in the header).
 */
export function rebuildTarget(
  inflated: Uint8Array,
  compressor: string,
  expected: string | undefined,
  key: string,
): Uint8Array {
  if (compressor !== 'G') unsupported(key, compressor, 'only gzip (G) can be rebuilt');
  if (expected === undefined)
    unsupported(key, compressor, 'without a recorded SHA-256 the exact bytes cannot be checked');
  const { gzipSync, constants } = needZlib(key, compressor);
  for (const level of LEVELS) {
    const candidate = new Uint8Array(gzipSync(inflated, { level, strategy: constants.Z_DEFAULT_STRATEGY }));
    if (sha256Hex(candidate) === expected.toLowerCase()) return candidate;
  }
  return unsupported(
    key,
    compressor,
    'recompressing it with zlib (levels 1-9) does not give back the stored bytes, so it cannot be read byte for byte',
  );
}
