/**
 * DeltaGlider's object metadata (`dg-*` user metadata): what we write for references, deltas and
 * direct objects, and how fields are read back from any writer (Python ≥ 6 `dg-` keys, older
 * underscored keys, the Rust proxy's dashed keys). All keys fit the StoragePort rule `[a-z0-9._-]`.
 */
import type { Metadata } from '../storage/port.js';

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
  | 'compression';

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
  return {
    'dg-tool': m.tool,
    'dg-original-name': m.name,
    'dg-file-sha256': m.sha256,
    'dg-file-size': String(m.size),
    'dg-created-at': isoMicros(m.now),
    'dg-compression': 'none',
  };
}
