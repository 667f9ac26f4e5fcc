/** Which files DeltaGlider stores as deltas, and when a delta is worth keeping. */

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
