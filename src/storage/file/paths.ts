/**
 * How the file adapter maps any S3 key to a path under its root, and back.
 *
 * A key is split at `/`; each segment becomes a directory or file name made only of `[A-Za-z0-9._-]`
 * and `%XX` escapes, so no key can name `..`, an absolute path, a NUL or a separator. `~` is always
 * escaped, which frees it as a marker: `NAME~` is an object's record, `NAME~d…` its data, `NAME~t…`
 * a temp file, `NAME~l` its lock, `NAME~c…` a claim on a stale lock being taken over (lock-takeover.ts),
 * and a directory `PART~+` continues a segment too long for one name.
 * Thanks to the markers a key `a` and a key `a/b` live side by side (`a~` and `a/b~`).
 *
 * The mapping is injective because every name is a plain name — never empty, `.` or `..`, never a
 * separator — so `path.join` keeps each one, and `pathToKey` inverts the encoding exactly.
 */

const SAFE = /^[A-Za-z0-9_.-]$/;
const MAX_NAME_BYTES = 200;
const encoder = new TextEncoder();

function encodeSegment(segment: string): string[] {
  if (segment === '') return ['%'];
  const tokens: string[] = [];
  for (const char of segment) {
    if (SAFE.test(char)) tokens.push(char);
    else
      for (const byte of encoder.encode(char))
        tokens.push(`%${byte.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  // a leading dot would make hidden files, `.` or `..`
  if (tokens[0] === '.') tokens[0] = '%2E';
  const names: string[] = [];
  let current = '';
  for (const token of tokens) {
    if (current.length + token.length > MAX_NAME_BYTES) {
      names.push(current);
      current = '';
    }
    current += token;
  }
  names.push(current);
  return names;
}

/**
 * A folder name for the last name of a segment. The rest of a long segment keeps a leading dot, as it
 * always has, unless the name is `.` or `..`, which path.join collapses (two keys would then share a
 * file). As the last name of a key it is safe: the record is `..~`.
 */
const folderName = (name: string) => (name === '.' || name === '..' ? `%2E${name.slice(1)}` : name);

/**
 * The relative directory parts and the base name (before its `~` marker) for a key.
 *
 * @example
 * ```ts
 * keyToPath('logs/../x'); // { dirs: ['logs', '%2E.'], base: 'x' }
 * ```
 */
export function keyToPath(key: string): { dirs: string[]; base: string } {
  const segments = key.split('/');
  const dirs: string[] = [];
  segments.forEach((segment, index) => {
    const names = encodeSegment(segment);
    const last = index === segments.length - 1;
    for (let i = 0; i < names.length; i++) {
      const isLastName = i === names.length - 1;
      if (last && isLastName) return;
      dirs.push(isLastName ? folderName(names[i]!) : `${names[i]}~+`);
    }
  });
  const lastNames = encodeSegment(segments[segments.length - 1]!);
  return { dirs, base: lastNames[lastNames.length - 1]! };
}

/** Decodes directory names and a record's base name back into the key. */
export function pathToKey(dirs: string[], base: string): string {
  let encoded = '';
  for (const dir of dirs) encoded += dir.endsWith('~+') ? dir.slice(0, -2) : `${dir}/`;
  encoded += base;
  return encoded
    .split('/')
    .map((segment) => (segment === '%' ? '' : decodeURIComponent(segment)))
    .join('/');
}

/**
 * The directory parts that every key starting with `prefix` lies under, so a listing can start there.
 *
 * @example
 * ```ts
 * listingRoot('logs/2024/0'); // ['logs', '2024']
 * ```
 */
export function listingRoot(prefix: string): string[] {
  const complete = prefix.split('/').slice(0, -1);
  const dirs: string[] = [];
  for (const segment of complete) {
    const names = encodeSegment(segment);
    if (names.length > 1) break;
    dirs.push(names[0]!);
  }
  return dirs;
}

export type NameKind =
  | 'record'
  | 'data'
  | 'temp'
  | 'lock'
  | 'claim'
  | 'continuation'
  | 'directory'
  | 'foreign';

/** What a directory entry is, from its name. */
export function kindOfName(name: string): NameKind {
  const at = name.indexOf('~');
  if (at < 0) return 'directory';
  const marker = name.slice(at + 1);
  if (marker === '') return 'record';
  if (marker === '+') return 'continuation';
  if (marker === 'l') return 'lock';
  if (marker.startsWith('d')) return 'data';
  if (marker.startsWith('t')) return 'temp';
  if (marker.startsWith('c')) return 'claim';
  return 'foreign';
}
