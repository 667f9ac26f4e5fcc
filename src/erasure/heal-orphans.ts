/**
 * heal()'s collection of orphaned shard objects: shards of versions no manifest names (writes that
 * failed or crashed before their commit, versions replaced or deleted while a port was away).
 */
import { createHash } from 'node:crypto';
import { BucketkitError, throwIfAborted } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { DATA_PREFIX, MANIFEST_PREFIX } from './layout.js';
import { mergeKeys } from './list.js';
import { readManifests } from './manifests.js';

/** `d/<sha256(key)>/<version>`: the shard objects of one version sit below it. */
export function versionPrefix(key: string, version: string): string {
  return `${DATA_PREFIX}${createHash('sha256').update(key).digest('hex')}/${version}`;
}

/**
 * Removes shard objects older than `graceMs` whose version is not in `live`. Before removing anything
 * it lists the manifests again and spares every version any port's manifest names (agreed or not), so
 * a write committed while heal() ran keeps its shards. A write that takes longer than `graceMs` from
 * its first shard to its commit could still lose them: keep the grace above the longest write.
 * Returns how many shard objects were removed.
 *
 * @example
 * ```ts
 * const removed = await removeOrphans(port.ports, live, 3_600_000);
 * ```
 */
export async function removeOrphans(
  ports: StoragePort[],
  live: Set<string>,
  graceMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const cutoff = Date.now() - graceMs;
  const at = signal ? { signal } : {};
  const doomed = await Promise.all(
    ports.map(async (p) => {
      const found: string[] = [];
      try {
        for await (const entry of p.list({ prefix: DATA_PREFIX, ...at })) {
          if (entry.type !== 'object') continue;
          const version = entry.key.slice(0, entry.key.lastIndexOf('/'));
          if (!live.has(version) && entry.lastModified.getTime() <= cutoff) found.push(entry.key);
        }
      } catch (err) {
        if (BucketkitError.is(err, 'Aborted')) throw err;
        // a port that cannot list now is collected next time
      }
      return found;
    }),
  );
  const hashes = new Set(doomed.flat().map((key) => key.split('/')[1]));
  if (hashes.size === 0) return 0;
  const spared = await namedVersions(ports, hashes, signal);
  const removed = await Promise.all(
    ports.map(async (p, i) => {
      const keys = doomed[i]!.filter((key) => !spared.has(key.slice(0, key.lastIndexOf('/'))));
      try {
        return keys.length === 0 ? 0 : (await p.deleteMany(keys)).deleted;
      } catch (err) {
        if (BucketkitError.is(err, 'Aborted')) throw err;
        return 0;
      }
    }),
  );
  throwIfAborted(signal);
  return removed.reduce((a, b) => a + b, 0);
}

/** The version prefixes any port's manifest names, for the keys whose sha256 is in `hashes`. */
async function namedVersions(
  ports: StoragePort[],
  hashes: Set<string | undefined>,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const named = new Set<string>();
  const at = signal ? { signal } : {};
  const listings = ports.map((p) => p.list({ prefix: MANIFEST_PREFIX, ...at }));
  for await (const { key } of mergeKeys(listings)) {
    if (!hashes.has(createHash('sha256').update(key).digest('hex'))) continue;
    for (const vote of await readManifests(ports, key, at)) {
      if (vote && !(vote instanceof Error)) named.add(versionPrefix(key, vote.version));
    }
  }
  return named;
}
