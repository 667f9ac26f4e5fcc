/**
 * Where versions live in a bucket's port, and what their ids look like.
 *
 * Every version of a key in a versioned bucket — data or delete marker — is an ordinary object
 * `.bucketkit-gateway/versions/<escaped key>/<version name>`, written create-only (`ifNoneMatch: '*'`), so
 * concurrent writers can never replace each other's versions. The key itself holds a copy of its newest
 * data version (the copy is a hard link or a small record on the file port), so GET, HEAD and listings
 * without a version id cost what they cost in an unversioned bucket. See docs/gateway.md, "Versioning".
 *
 * A version name is 20 hex digits that sort newest first — the inverted millisecond clock (11), an
 * inverted per-millisecond sequence (4), randomness (5) — and one letter for its kind. Clients see the
 * name as the version id, except for null versions, whose id is `null`.
 */
import { RESERVED_PREFIX } from '../context.js';

/** Where the version folders start. */
export const VERSIONS_PREFIX = `${RESERVED_PREFIX}versions/`;

/** Metadata key (hidden from clients) holding the version name of the object at the plain key. */
export const VERSION_META = 'bucketkit.vid';

/** Hidden metadata of a version under object lock: retention mode and date, legal hold (ON/OFF). */
export const LOCK_MODE_META = 'bucketkit.lock-mode';
export const LOCK_UNTIL_META = 'bucketkit.lock-until';
export const LOCK_HOLD_META = 'bucketkit.lock-hold';

/** The `x-amz-object-lock-*` response headers of a stored version. */
export function lockHeaders(metadata: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (metadata[LOCK_MODE_META]) headers['x-amz-object-lock-mode'] = metadata[LOCK_MODE_META];
  if (metadata[LOCK_UNTIL_META]) headers['x-amz-object-lock-retain-until-date'] = metadata[LOCK_UNTIL_META];
  if (metadata[LOCK_HOLD_META]) headers['x-amz-object-lock-legal-hold'] = metadata[LOCK_HOLD_META];
  return headers;
}

/** v: a version; m: a delete marker; n: the null version; x: a null delete marker. */
export type VersionKind = 'v' | 'm' | 'n' | 'x';

const NAME = /^[0-9a-f]{20}[vmnx]$/;
const CLOCK_LIMIT = 2 ** 44 - 1;
const ESCAPE = '0';

let lastMs = -1;
let sequence = 0;

/** Index of this process's versions made within one millisecond, so they too sort newest first. */
function nextSequence(ms: number): number {
  if (ms !== lastMs) {
    lastMs = ms;
    sequence = 0;
  }
  return Math.min(sequence++, 0xffff);
}

/**
 * A fresh version name of `kind`, made at `ms` (a stored object's time for null versions found in place).
 *
 * @example
 * ```ts
 * newVersionName('v'); // 'fe6c3d1a2b7ffffa3c91ev'
 * ```
 */
export function newVersionName(kind: VersionKind, ms = Date.now()): string {
  const clock = (CLOCK_LIMIT - Math.max(0, Math.min(ms, CLOCK_LIMIT))).toString(16).padStart(11, '0');
  const seq = (0xffff - nextSequence(ms)).toString(16).padStart(4, '0');
  const random = Math.floor(Math.random() * 0x100000)
    .toString(16)
    .padStart(5, '0');
  return `${clock}${seq}${random}${kind}`;
}

/** The kind of a version name, or undefined when the text is no version name of ours. */
export function kindOf(name: string): VersionKind | undefined {
  return NAME.test(name) ? (name.at(-1) as VersionKind) : undefined;
}

export const isMarker = (name: string): boolean => name.endsWith('m') || name.endsWith('x');
export const isNull = (name: string): boolean => name.endsWith('n') || name.endsWith('x');

/** The version id a client sees for a version name. */
export const clientVersionId = (name: string): string => (isNull(name) ? 'null' : name);

/**
 * Escapes a key so that the version folders list in the keys' own order: `/` ends the escaped key, so
 * every character up to and including `0` becomes `0` and a letter from `@` on (`0` itself `0p`), and all
 * others stay (they are greater than `0`, and so than `/`).
 *
 * @example
 * ```ts
 * escapeKey('a/b0'); // 'a0ob0p'
 * ```
 */
export function escapeKey(key: string): string {
  let out = '';
  for (const char of key) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code <= 0x30) out += ESCAPE + String.fromCharCode(0x40 + code);
    else out += char;
  }
  return out;
}

/** Inverts `escapeKey`. */
export function unescapeKey(escaped: string): string {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i]!;
    if (char === ESCAPE) out += String.fromCharCode(escaped.charCodeAt(++i) - 0x40);
    else out += char;
  }
  return out;
}

/** The folder of a key's versions (ends with `/`). */
export const versionFolder = (key: string): string => `${VERSIONS_PREFIX}${escapeKey(key)}/`;

/** The object holding one version of a key. */
export const versionObject = (key: string, name: string): string => `${versionFolder(key)}${name}`;

/** Splits an object name under VERSIONS_PREFIX into the client key and version name. */
export function parseVersionObject(objectKey: string): { key: string; name: string } | undefined {
  const rest = objectKey.slice(VERSIONS_PREFIX.length);
  const slash = rest.lastIndexOf('/');
  if (slash < 0) return undefined;
  const name = rest.slice(slash + 1);
  if (kindOf(name) === undefined) return undefined;
  return { key: unescapeKey(rest.slice(0, slash)), name };
}
