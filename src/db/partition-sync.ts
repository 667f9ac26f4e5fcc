/**
 * Keeping partition entries in step with records. The protocol keeps the index a superset of the truth
 * at every moment, so a partition query (which re-checks each record) never misses one:
 * 1. entries for the new values are written before the record;
 * 2. after the record write, entries the write added are written again (a concurrent writer may have
 *    deleted them as its stale ones in between) and stale ones deleted; then, if someone else has
 *    written the record since, their entries are written again too.
 * A crash leaves only extra entries behind; `rebuildPartitions()` removes them.
 */
import { BucketkitError } from '../errors.js';
import type { Abortable } from '../storage/index.js';
import { dataPrefix, idFromKey, partitionPrefix, recordKey, resourcePrefix } from './keys.js';
import { entryKeys } from './partitions.js';
import { readRecord, TOMBSTONE_ETAG } from './records.js';
import { mapLimit } from './retry.js';
import type { ResourceRuntime } from './runtime.js';

const EMPTY = new Uint8Array(0);
const CONCURRENCY = 8;

export function keysOf(
  rt: ResourceRuntime,
  record: Record<string, unknown> | undefined,
  id: string,
): string[] {
  return record ? entryKeys(rt.name, rt.partitions, record, id) : [];
}

export async function putEntries(rt: ResourceRuntime, keys: readonly string[], options: Abortable = {}) {
  await mapLimit(keys, CONCURRENCY, (key) => rt.port.put(key, EMPTY, options));
}

export async function deleteEntries(rt: ResourceRuntime, keys: readonly string[], options: Abortable = {}) {
  if (keys.length === 1) await rt.port.delete(keys[0]!, options);
  else if (keys.length > 1) await rt.port.deleteMany(keys, options);
}

/** The entries a write adds (write them before the record) and removes. */
export function diffEntries(before: readonly string[], after: readonly string[]) {
  const old = new Set(before);
  const next = new Set(after);
  return { added: after.filter((k) => !old.has(k)), stale: before.filter((k) => !next.has(k)) };
}

/** Step 2 of the protocol, after a successful record write that produced `etag`. */
export async function settleEntries(
  rt: ResourceRuntime,
  id: string,
  diff: { added: string[]; stale: string[] },
  etag: string,
  options: Abortable = {},
): Promise<void> {
  await putEntries(rt, diff.added, options);
  if (diff.stale.length === 0) return;
  await deleteEntries(rt, diff.stale, options);
  let info: Awaited<ReturnType<typeof rt.port.head>>;
  try {
    info = await rt.port.head(recordKey(rt.name, id), options);
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return;
    throw err;
  }
  if (info.etag === etag) return;
  const now = await readRecord(rt, id, options);
  if (now) await putEntries(rt, keysOf(rt, now.record, id), options);
}

export interface RebuildReport {
  /** Records read. */
  records: number;
  /** Missing entries written. */
  added: number;
  /** Stale entries (wrong value, deleted record, dropped partition) removed. */
  removed: number;
}

/**
 * Rebuilds every partition entry of a resource from its records: writes the missing ones and deletes
 * the stale ones. Run it after a crash or a partition change, while writes are quiet.
 */
export async function rebuildPartitions(
  rt: ResourceRuntime,
  options: Abortable & { concurrency?: number } = {},
): Promise<RebuildReport> {
  const ids: string[] = [];
  for await (const entry of rt.port.list({
    prefix: dataPrefix(rt.name),
    pageSize: 1000,
    ...signalOf(options),
  })) {
    if (entry.type === 'object' && entry.etag !== TOMBSTONE_ETAG) ids.push(idFromKey(entry.key)!);
  }
  const expected = new Set<string>();
  let records = 0;
  await mapLimit(ids, options.concurrency ?? 10, async (id) => {
    const read = await readRecord(rt, id, options);
    if (!read) return;
    records++;
    for (const key of keysOf(rt, read.record, id)) expected.add(key);
  });
  const actual = new Set<string>();
  const prefix = `${resourcePrefix(rt.name)}partition=`;
  for await (const entry of rt.port.list({ prefix, pageSize: 1000, ...signalOf(options) })) {
    if (entry.type === 'object') actual.add(entry.key);
  }
  const missing = [...expected].filter((k) => !actual.has(k));
  const stale = [...actual].filter((k) => !expected.has(k));
  await putEntries(rt, missing, options);
  await deleteEntries(rt, stale, options);
  return { records, added: missing.length, removed: stale.length };
}

export function signalOf(options: Abortable): Abortable {
  return options.signal ? { signal: options.signal } : {};
}

export { partitionPrefix };
