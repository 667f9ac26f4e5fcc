/** Which files DeltaGlider stores as deltas, and which ones bucketkit stores as deltas. */
import { bkError } from '../errors.js';

/** Above this delta size / file size, the file is stored directly instead. */
export const DEFAULT_MAX_RATIO = 0.5;

const COMPOUND = ['.tar.gz', '.tar.bz2', '.tar.xz'];
const SIMPLE = [
  '.zip',
  '.tar',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.7z',
  '.rar',
  '.dmg',
  '.iso',
  '.pkg',
  '.deb',
  '.rpm',
  '.apk',
  '.jar',
  '.war',
  '.ear',
];

/**
 * Whole-stream compressed formats. A small change upstream rewrites all their bytes, so a delta over
 * them saves nothing. Gzip files (`GZIP_TYPES`) are stored as a delta over their gunzipped content when
 * their exact bytes can be rebuilt (see `gzip-rebuild.ts`); the others are stored directly.
 */
export const COMPRESSED_TYPES: readonly string[] = [
  '.gz',
  '.tgz',
  '.bz2',
  '.tbz2',
  '.xz',
  '.txz',
  '.zst',
  '.lz4',
  '.lz',
  '.lzma',
  '.br',
];

/** Gzip files: stored as deltas over their gunzipped content when their bytes can be rebuilt exactly. */
export const GZIP_TYPES: readonly string[] = ['.tar.gz', '.tgz', '.gz'];

/** True for a name ending in `.gz` or `.tgz` (any case). */
export const isGzipName = (name: string) => GZIP_TYPES.some((s) => name.toLowerCase().endsWith(s));

/** bucketkit's default delta types: DeltaGlider's archive list without the compressed streams other than gzip. */
export const DEFAULT_ARCHIVE_TYPES: readonly string[] = [...COMPOUND, ...SIMPLE].filter(
  (suffix) => GZIP_TYPES.includes(suffix) || !COMPRESSED_TYPES.some((c) => suffix.endsWith(c)),
);

/**
 * True for the archive types DeltaGlider (Python) stores as deltas: a case-insensitive suffix match.
 *
 * @example
 * ```ts
 * isDeltaCandidate('app-1.2.ZIP'); // true
 * isDeltaCandidate('notes.txt'); // false
 * ```
 */
export function isDeltaCandidate(name: string): boolean {
  const lower = name.toLowerCase();
  return COMPOUND.some((s) => lower.endsWith(s)) || SIMPLE.some((s) => lower.endsWith(s));
}

/** When a file is stored as a delta. Every option has a default; see `DeltaPolicy`. */
export interface DeltaPolicyOptions {
  /**
   * Name suffixes (case-insensitive) stored as deltas; `'*'` matches every name. Default
   * `DEFAULT_ARCHIVE_TYPES` (`.zip .tar .tar.gz .tgz .gz .jar .iso .deb ...`). Other compressed streams
   * (`COMPRESSED_TYPES`: `.xz`, `.bz2`, `.zst`, ...) are always stored directly, even when listed.
   */
  archiveTypes?: readonly string[];
  /** Files smaller than this many bytes are stored directly (default 0: no threshold). */
  minSize?: number;
  /** Deltas larger than this fraction of the file are dropped and the file stored directly (0.5). */
  maxRatio?: number;
}

/**
 * A checked delta policy: `wants(name, size)` says whether to try a delta, `keeps(deltaSize, size)`
 * whether the delta is small enough to keep.
 *
 * @example
 * ```ts
 * const policy = new DeltaPolicy({ archiveTypes: ['.zip'], minSize: 1024, maxRatio: 0.3 });
 * policy.wants('app.zip', 4096); // true
 * policy.keeps(2000, 4096); // false: 49% > 30%
 * ```
 */
export class DeltaPolicy {
  readonly archiveTypes: readonly string[];
  readonly minSize: number;
  readonly maxRatio: number;

  constructor(options: DeltaPolicyOptions = {}) {
    const maxRatio = options.maxRatio ?? DEFAULT_MAX_RATIO;
    if (!(maxRatio >= 0)) {
      throw bkError(
        'InvalidArgument',
        'maxRatio must be a number ≥ 0 (0.5 keeps deltas up to half the file)',
        {
          details: { maxRatio },
        },
      );
    }
    const minSize = options.minSize ?? 0;
    if (!Number.isSafeInteger(minSize) || minSize < 0) {
      throw bkError('InvalidArgument', 'minSize must be a whole number of bytes ≥ 0', {
        details: { minSize },
      });
    }
    const archiveTypes = options.archiveTypes ?? DEFAULT_ARCHIVE_TYPES;
    if (!Array.isArray(archiveTypes) || archiveTypes.some((s) => typeof s !== 'string' || s === '')) {
      throw bkError('InvalidArgument', "archiveTypes is a list of name suffixes such as '.zip', or ['*']", {
        details: { archiveTypes },
      });
    }
    this.archiveTypes = archiveTypes.map((s) => s.toLowerCase());
    this.minSize = minSize;
    this.maxRatio = maxRatio;
  }

  /** True when `name` (a base name) of `size` bytes should be tried as a delta. */
  wants(name: string, size: number): boolean {
    const lower = name.toLowerCase();
    if (size < this.minSize) return false;
    if (!isGzipName(lower) && COMPRESSED_TYPES.some((s) => lower.endsWith(s))) return false;
    return this.archiveTypes.some((s) => s === '*' || lower.endsWith(s));
  }

  /** True when a delta of `deltaSize` bytes for a file of `size` bytes is worth keeping. */
  keeps(deltaSize: number, size: number): boolean {
    return deltaSize <= this.maxRatio * size;
  }
}
