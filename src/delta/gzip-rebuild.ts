/**
 * Rebuilding gzip files byte for byte from their decompressed content, so `.tar.gz`/`.tgz`/`.gz` can be
 * stored as a delta over what they contain. A recipe names the compressor that gives back the exact
 * deflate stream (zlib at a level and strategy, or the system's GNU `gzip -n` at a level, the tool
 * xdelta3 itself runs) and the original gzip header when it differs from the compressor's (a time stamp,
 * a file name). Node's zlib and child_process are found at run time: browser bundles never import them,
 * and there no recipe is found (files are stored whole) and none is followed (`Unsupported`).
 */

interface Zlib {
  gunzipSync(bytes: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  gzipSync(bytes: Uint8Array, options: { level: number; strategy: number }): Uint8Array;
}
interface ChildProcess {
  spawnSync(
    command: string,
    args: string[],
    options: { input: Uint8Array; maxBuffer: number },
  ): { status: number | null; stdout: Uint8Array | null; error?: Error };
}

const builtin = <T>(id: string): T | undefined =>
  (
    globalThis as { process?: { getBuiltinModule?: (id: string) => T | undefined } }
  ).process?.getBuiltinModule?.(id);
const zlib = builtin<Zlib>('node:zlib');
const childProcess = builtin<ChildProcess>('node:child_process');

/** False in a browser: no zlib to gunzip or gzip with. */
export const hasZlib = zlib !== undefined;

/** What a recipe rebuilds with: `zlib` (level, strategy) or the system `gzip -n` (level). */
export interface GzipRecipe {
  tool: 'zlib' | 'gzip';
  level: number;
  strategy: number;
  /** The original header, when it is not the 10 bytes the tool writes. */
  header?: Uint8Array;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** The recipe as a metadata value: `zlib 9 0`, `gzip 6 0 1f8b08…` (header last when kept). */
export function formatRecipe(recipe: GzipRecipe): string {
  const parts = [recipe.tool, String(recipe.level), String(recipe.strategy)];
  if (recipe.header) parts.push(hex(recipe.header));
  return parts.join(' ');
}

/** Reads a recipe back (`undefined` when it is not one). */
export function parseRecipe(text: string | undefined): GzipRecipe | undefined {
  const match = /^(zlib|gzip) ([1-9]) ([0-4])(?: ((?:[0-9a-f]{2})+))?$/.exec(text ?? '');
  if (!match) return undefined;
  const recipe: GzipRecipe = {
    tool: match[1] as 'zlib' | 'gzip',
    level: Number(match[2]),
    strategy: Number(match[3]),
  };
  if (match[4]) recipe.header = unhex(match[4]);
  return recipe;
}

/** The length of a gzip member's header (with its optional fields), or undefined if it is not gzip. */
export function gzipHeaderLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) return undefined;
  const flags = bytes[3] as number;
  if (flags & 0xe0) return undefined;
  let at = 10;
  if (flags & 4) at += 2 + ((bytes[10] as number) | ((bytes[11] as number) << 8)); // FEXTRA
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue; // FNAME, FCOMMENT: zero-terminated
    while (at < bytes.length && bytes[at] !== 0) at++;
    at++;
  }
  if (flags & 2) at += 2; // FHCRC
  return at < bytes.length ? at : undefined;
}

/** True when `bytes` start like a gzip member. */
export const isGzip = (bytes: Uint8Array) => gzipHeaderLength(bytes) !== undefined;

/** Gunzips at most `maxSize` bytes; undefined when it is not valid gzip (or no zlib here). */
export function gunzip(bytes: Uint8Array, maxSize: number): Uint8Array | undefined {
  if (!zlib) return undefined;
  try {
    return new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: maxSize }));
  } catch {
    return undefined;
  }
}

/** `gzip -n -c -<level>` of `bytes`, or undefined when gzip is not installed (or fails). */
function systemGzip(bytes: Uint8Array, level: number): Uint8Array | undefined {
  const run = childProcess?.spawnSync('gzip', ['-n', '-c', `-${level}`], {
    input: bytes,
    maxBuffer: bytes.length + (bytes.length >>> 3) + 1024 * 1024,
  });
  if (!run || run.error || run.status !== 0 || !run.stdout) return undefined;
  return new Uint8Array(run.stdout);
}

function compress(inflated: Uint8Array, recipe: GzipRecipe): Uint8Array | undefined {
  if (recipe.tool === 'gzip') return systemGzip(inflated, recipe.level);
  return zlib ? new Uint8Array(zlib.gzipSync(inflated, recipe)) : undefined;
}

/**
 * The gzip file `recipe` makes of `inflated` (undefined when its tool is missing here). The caller
 * checks the result against the SHA-256 it expects.
 */
export function rebuildGzip(inflated: Uint8Array, recipe: GzipRecipe): Uint8Array | undefined {
  const made = compress(inflated, recipe);
  if (!made || !recipe.header) return made;
  const out = new Uint8Array(recipe.header.length + made.length - 10);
  out.set(recipe.header);
  out.set(made.subarray(10), recipe.header.length);
  return out;
}

/** Levels to try, most likely first, from the header's XFL byte (2: best, 4: fastest, 0: the others). */
function levelsFor(xfl: number | undefined): number[] {
  if (xfl === 2) return [9];
  if (xfl === 4) return [1];
  return [6, 5, 7, 8, 4, 3, 2];
}

/** zlib's default strategy, then FILTERED (1); HUFFMAN_ONLY and RLE would show as XFL 4 at level 1 only. */
const STRATEGIES = [0, 1];
/** Longer headers (big FEXTRA fields) would not fit in metadata next to the dg-* keys. */
const MAX_HEADER = 256;

/**
 * How `bytes` (a gzip file whose content is `inflated`) can be rebuilt exactly, trying zlib and then the
 * system `gzip -n` at the levels the header suggests; undefined when nothing gives back the same bytes.
 *
 * @example
 * ```ts
 * const recipe = findRecipe(tgz, gunzip(tgz, 1 << 30)!); // { tool: 'gzip', level: 6, strategy: 0 }
 * ```
 */
export function findRecipe(bytes: Uint8Array, inflated: Uint8Array): GzipRecipe | undefined {
  const headerLength = gzipHeaderLength(bytes);
  if (headerLength === undefined || headerLength > MAX_HEADER) return undefined;
  const body = bytes.subarray(headerLength);
  const header = bytes.subarray(0, headerLength);
  for (const tool of ['zlib', 'gzip'] as const) {
    for (const level of levelsFor(bytes[8])) {
      for (const strategy of tool === 'zlib' ? STRATEGIES : [0]) {
        const made = compress(inflated, { tool, level, strategy });
        if (!made) break;
        if (made.length - 10 !== body.length || !sameBytes(made.subarray(10), body)) continue;
        const recipe: GzipRecipe = { tool, level, strategy };
        if (!sameBytes(made.subarray(0, 10), header)) recipe.header = header.slice();
        return recipe;
      }
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Recipes to try for a gzip delta written without one (DeltaGlider's: xdelta3 runs `gzip -c`). */
export const LEGACY_RECIPES: readonly GzipRecipe[] = [
  { tool: 'gzip', level: 6, strategy: 0 },
  ...[6, 9, 1, 2, 3, 4, 5, 7, 8].map((level) => ({ tool: 'zlib' as const, level, strategy: 0 })),
  ...[9, 1, 2, 3, 4, 5, 7, 8].map((level) => ({ tool: 'gzip' as const, level, strategy: 0 })),
];
