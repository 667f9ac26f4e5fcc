/**
 * Every DeltaSpace under a prefix at once, as DeltaGlider's `ls` and `stats` show a bucket or folder:
 * one recursive listing, one HEAD per delta (for its original size), references counted, not listed.
 */
import type { Abortable, StoragePort } from '../storage/index.js';
import { DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import { describe } from './space-read.js';
import type { DeltaListEntry, DeltaStats } from './space-types.js';

/** A file of a DeltaSpace under the listed prefix: `path` is its name with the folders below the prefix. */
export interface DeltaTreeEntry extends DeltaListEntry {
  path: string;
}

/** DeltaGlider's own helper objects (stats cache, rehydrated copies): not files of any DeltaSpace. */
const INTERNAL = '.deltaglider/';

const folderPrefix = (prefix: string) => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

async function* walk(
  port: StoragePort,
  prefix: string,
  onReference: (size: number) => void,
  options: Abortable & { pageSize?: number },
): AsyncGenerator<DeltaTreeEntry> {
  const under = folderPrefix(prefix);
  for await (const entry of port.list({ ...options, prefix: under })) {
    if (entry.type !== 'object') continue;
    const path = entry.key.slice(under.length);
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (path.startsWith(INTERNAL) || path.includes(`/${INTERNAL}`)) continue;
    if (base === REFERENCE_NAME) {
      onReference(entry.size);
      continue;
    }
    if (base.endsWith(DELTA_SUFFIX)) {
      const info = await port.head(entry.key, options);
      const name = base.slice(0, -DELTA_SUFFIX.length);
      const {
        metadata: _,
        contentType: __,
        ...listed
      } = describe(name, 'delta', { ...info, size: entry.size });
      yield { ...listed, path: path.slice(0, -DELTA_SUFFIX.length) };
    } else {
      const { key, size, etag, lastModified } = entry;
      yield { name: base, path, key, storedAs: 'direct', size, storedSize: size, etag, lastModified };
    }
  }
}

/**
 * The files of every DeltaSpace under `prefix` (`''`: the whole port), in key order, with original
 * names and sizes. `reference.bin` and DeltaGlider's `.deltaglider/` objects are not listed.
 *
 * @example
 * ```ts
 * for await (const f of listDeltaTree(port, 'releases')) console.log(f.path, f.size, f.storedSize);
 * ```
 */
export function listDeltaTree(
  port: StoragePort,
  prefix = '',
  options: Abortable & { pageSize?: number } = {},
): AsyncGenerator<DeltaTreeEntry> {
  return walk(port, prefix, () => {}, options);
}

/**
 * Original versus stored bytes of every DeltaSpace under `prefix`, references included; `spaces`
 * counts the references (one per DeltaSpace holding deltas).
 *
 * @example
 * ```ts
 * const { originalBytes, storedBytes, spaces } = await deltaTreeStats(port, 'releases');
 * ```
 */
export async function deltaTreeStats(
  port: StoragePort,
  prefix = '',
  options: Abortable = {},
): Promise<DeltaStats & { spaces: number }> {
  const stats = { files: 0, deltas: 0, directs: 0, originalBytes: 0, storedBytes: 0, referenceBytes: 0 };
  let spaces = 0;
  const onReference = (size: number) => {
    spaces++;
    stats.referenceBytes += size;
  };
  for await (const file of walk(port, prefix, onReference, options)) {
    stats.files++;
    if (file.storedAs === 'delta') stats.deltas++;
    else stats.directs++;
    stats.originalBytes += Number.isNaN(file.size) ? 0 : file.size;
    stats.storedBytes += file.storedSize;
  }
  stats.storedBytes += stats.referenceBytes;
  const ratio = stats.originalBytes === 0 ? 1 : stats.storedBytes / stats.originalBytes;
  return { ...stats, spaces, ratio, savedBytes: Math.max(0, stats.originalBytes - stats.storedBytes) };
}
