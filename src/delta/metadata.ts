/**
 * DeltaGlider's object metadata (`dg-*` user metadata): what we write for references, deltas and
 * direct objects, and how fields are read back from any writer (Python ≥ 6 `dg-` keys, older
 * underscored keys, the Rust proxy's dashed keys). All keys fit the StoragePort rule `[a-z0-9._-]`.
 */
import type { Metadata } from '../storage/index.js';

/** The fields we read; each is looked up as `dg-<dashed>`, `dg_<underscored>`, `<underscored>`, `<dashed>`. */
export type DgField =
  | 'tool'
  | 'source-name'
  | 'original-name'
  | 'file-sha256'
  | 'file-size'
  | 'created-at'
  | 'ref-key'
  | 'ref-path'
  | 'ref-sha256'
  | 'delta-size'
  | 'delta-cmd'
  | 'note'
  | 'compression'
  | 'md5';

export const ZERO_DIFF_NOTE = 'zero-diff (reference identical)';

/**
 * Reads one field, accepting every spelling DeltaGlider's writers have used (first non-empty wins).
 *
 * @example
 * ```ts
 * readField({ file_sha256: 'ab…' }, 'file-sha256'); // 'ab…' (a pre-6.0 object)
 * ```
 */
export function readField(metadata: Metadata, field: DgField): string | undefined {
  const underscored = field.replaceAll('-', '_');
  for (const key of [`dg-${field}`, `dg_${underscored}`, underscored, field]) {
    const value = metadata[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Python's `datetime.isoformat()` of a naive UTC time, microseconds included. */
function isoMicros(date: Date): string {
  return date.toISOString().replace('Z', '000');
}

interface Common {
  tool: string;
  sha256: string;
  now: Date;
  /** Hex MD5 of the file, written as the proxy's `dg-md5` (the ETag a `delta()` port reports). */
  md5?: string;
}

/** The prefix the DeltaGlider proxy gives user metadata next to the `dg-*` keys. */
export const USER_PREFIX = 'user-';

/**
 * Adds the caller's metadata as `user-<key>` (the DeltaGlider proxy's convention).
 *
 * @example
 * ```ts
 * withUserMetadata(directMetadata(...), { owner: 'ada' }); // { ..., 'user-owner': 'ada' }
 * ```
 */
export function withUserMetadata(metadata: Metadata, user: Metadata | undefined): Metadata {
  const out = { ...metadata };
  for (const [key, value] of Object.entries(user ?? {})) out[USER_PREFIX + key] = value;
  return out;
}

/** True when `metadata` was written by DeltaGlider or bucketkit's DeltaSpace (any spelling). */
export function isDeltaGliderObject(metadata: Metadata): boolean {
  return readField(metadata, 'tool') !== undefined && readField(metadata, 'file-sha256') !== undefined;
}

/**
 * The MD5 of the original file (`dg-md5`), else `etag`. Only DeltaGlider objects are asked: a regular
 * object's `md5` metadata key is the caller's own.
 *
 * @example
 * ```ts
 * originalEtag(head.metadata, head.etag);
 * ```
 */
export function originalEtag(metadata: Metadata, etag: string): string {
  return (isDeltaGliderObject(metadata) ? readField(metadata, 'md5') : undefined) ?? etag;
}

/**
 * The caller's metadata of a stored object: the `user-*` keys of a DeltaGlider object, or all of a
 * regular object's metadata.
 *
 * @example
 * ```ts
 * userMetadataOf({ 'dg-tool': 'bucketkit', 'dg-file-sha256': '…', 'user-owner': 'ada' }); // { owner: 'ada' }
 * ```
 */
export function userMetadataOf(metadata: Metadata): Metadata {
  if (!isDeltaGliderObject(metadata)) return { ...metadata };
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith(USER_PREFIX)) out[key.slice(USER_PREFIX.length)] = value;
  }
  return out;
}

/**
 * Metadata of `reference.bin`.
 *
 * @example
 * ```ts
 * referenceMetadata({ tool: 'bucketkit', sha256, now: new Date(), sourceName: 'app-1.0.zip' });
 * ```
 */
export function referenceMetadata(m: Common & { sourceName: string }): Metadata {
  return {
    'dg-tool': m.tool,
    'dg-source-name': m.sourceName,
    'dg-file-sha256': m.sha256,
    'dg-created-at': `${isoMicros(m.now)}Z`,
    'dg-note': 'reference',
  };
}

/**
 * Metadata of `<name>.delta`. `refKey` is the reference's full key, as DeltaGlider reads it.
 *
 * @example
 * ```ts
 * deltaMetadata({ tool, sha256, now, name, size, refKey: 'apps/reference.bin', refSha256, deltaSize });
 * ```
 */
export function deltaMetadata(
  m: Common & {
    name: string;
    size: number;
    refKey: string;
    refSha256: string;
    deltaSize: number;
    zeroDiff?: boolean;
  },
): Metadata {
  const metadata: Metadata = {
    'dg-tool': m.tool,
    'dg-original-name': m.name,
    'dg-file-sha256': m.sha256,
    'dg-file-size': String(m.size),
    'dg-created-at': `${isoMicros(m.now)}Z`,
    'dg-ref-key': m.refKey,
    'dg-ref-sha256': m.refSha256,
    'dg-delta-size': String(m.deltaSize),
    'dg-delta-cmd': `xdelta3 -e -9 -s reference.bin ${m.name} ${m.name}.delta`,
  };
  if (m.zeroDiff) metadata['dg-note'] = ZERO_DIFF_NOTE;
  if (m.md5) metadata['dg-md5'] = m.md5;
  return metadata;
}

/**
 * Metadata of a file stored directly (DeltaGlider writes `dg-created-at` without `Z` there).
 *
 * @example
 * ```ts
 * directMetadata({ tool, sha256, now, name: 'notes.txt', size: 12 });
 * ```
 */
export function directMetadata(m: Common & { name: string; size: number }): Metadata {
  const metadata: Metadata = {
    'dg-tool': m.tool,
    'dg-original-name': m.name,
    'dg-file-sha256': m.sha256,
    'dg-file-size': String(m.size),
    'dg-created-at': isoMicros(m.now),
    'dg-compression': 'none',
  };
  if (m.md5) metadata['dg-md5'] = m.md5;
  return metadata;
}
