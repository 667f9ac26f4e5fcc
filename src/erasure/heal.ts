import { throwIfAborted } from '../errors.js';
import type { Abortable, StoragePort, SweepReport } from '../storage/index.js';
import { manifestRepairs } from './heal-manifests.js';
import { removeOrphans, versionPrefix } from './heal-orphans.js';
import { healShards } from './heal-shards.js';
import { noSweep, sweepPorts } from './heal-sweep.js';
import { MANIFEST_PREFIX, type Manifest, manifestKey } from './layout.js';
import { mergeKeys } from './list.js';
import { chooseManifest, type ManifestVotes } from './manifest-quorum.js';
import { readManifests, writeManifests } from './manifests.js';
import type { ErasurePort } from './storage.js';

export interface HealOptions extends Abortable {
  /**
   * Writes younger than this are left alone (ms, default 1 h): shard objects of no current version
   * are removed, manifests newer than the agreed one replaced, and what a crash left inside a folder
   * port swept, only once older than this. Keep it above the time your longest write takes.
   */
  orphanGraceMs?: number;
  /** Called after each object, for progress. */
  onObject?: (key: string, done: number) => void;
}

/** A key heal() could not repair, and why (what to restore). */
export interface Unrepaired {
  key: string;
  reason: string;
}

export interface HealReport {
  objects: number;
  /** Ports given the agreed manifest they lacked or had an older, different or damaged copy of (or whose stray manifest was removed). */
  manifestsRepaired: number;
  /** Shard objects rewritten because they were missing, the wrong size, or had blocks failing their checksum. */
  shardsRebuilt: number;
  /** Blocks that failed their checksum (damaged, or not this block of this shard), across all shards. */
  corruptBlocks: number;
  orphansRemoved: number;
  /**
   * What the ports' own `sweep()` reclaimed (folder ports: data files no record points to, temp
   * files, dead writers' locks, empty version folders), older than `orphanGraceMs`.
   */
  swept: SweepReport;
  tombstonesCleared: number;
  /** Keys heal() could not repair: they need a backup. */
  unrecoverable: string[];
  /** The same keys, each with the reason. */
  unrepaired: Unrepaired[];
}

/**
 * Scans every object of an erasure port: gives every port the manifest m + 1 ports agree on, checks
 * every block of every shard (bound checksums) and the object's MD5 against its ETag, rebuilds missing,
 * damaged and misplaced shards from the others, clears tombstones every port has, and removes orphaned
 * shards. Safe to run while the port is in use; run it after replacing a disk or on a schedule.
 *
 * @example
 * ```ts
 * const report = await heal(port);
 * for (const { key, reason } of report.unrepaired) alert(key, reason);
 * ```
 */
export async function heal(port: ErasurePort, options: HealOptions = {}): Promise<HealReport> {
  const { ports } = port;
  const report: HealReport = {
    objects: 0,
    manifestsRepaired: 0,
    shardsRebuilt: 0,
    corruptBlocks: 0,
    orphansRemoved: 0,
    swept: noSweep(),
    tombstonesCleared: 0,
    unrecoverable: [],
    unrepaired: [],
  };
  const graceMs = options.orphanGraceMs ?? 3_600_000;
  const live = new Set<string>();
  const signal = options.signal ? { signal: options.signal } : {};
  for await (const { key } of mergeKeys(ports.map((p) => p.list({ prefix: MANIFEST_PREFIX, ...signal })))) {
    throwIfAborted(options.signal);
    const votes = await readManifests(ports, key, signal);
    const counted = await healKey(port, key, votes, graceMs, report, live, options.signal);
    if (counted) options.onObject?.(key, report.objects);
  }
  report.orphansRemoved = await removeOrphans(ports, live, graceMs, options.signal);
  // below the objects: what crashed writes left in folder ports (the version folders emptied just
  // now are touched, so they go at the next heal() after the grace period)
  report.swept = await sweepPorts(ports, graceMs, options.signal);
  return report;
}

/** Repairs one key's manifests and shards; returns whether it counts as an object. */
async function healKey(
  port: ErasurePort,
  key: string,
  votes: ManifestVotes,
  graceMs: number,
  report: HealReport,
  live: Set<string>,
  signal?: AbortSignal,
): Promise<boolean> {
  const { ports, codec } = port;
  const at = signal ? { signal } : {};
  const unrepaired = (reason: string) => {
    report.unrecoverable.push(key);
    report.unrepaired.push({ key, reason });
  };
  const choice = chooseManifest(votes, codec.parityShards + 1);
  if (!choice) {
    // nothing to go by: every version any port names keeps its shards until someone decides
    for (const vote of votes)
      if (vote && !(vote instanceof Error)) live.add(versionPrefix(key, vote.version));
    unrepaired(
      `fewer than ${codec.parityShards + 1} ports hold the same manifest: restore it, or overwrite or delete the key`,
    );
    return false;
  }
  const { stale, pending } = manifestRepairs(votes, choice, graceMs);
  for (const i of pending) live.add(versionPrefix(key, (votes[i] as Manifest).version));
  const manifest = choice.manifest;
  if (!manifest) {
    // no object: the manifests of writes that failed long ago, or damaged ones, go
    report.manifestsRepaired += await removeManifests(
      stale.map((i) => ports[i]!),
      key,
    );
    return false;
  }
  report.objects++;
  if (manifest.deleted) {
    const cleared =
      pending.length === 0 && votes.every((v, i) => v === undefined || choice.agreeing.includes(i));
    if (cleared) {
      await removeManifests(ports, key);
      report.tombstonesCleared++;
    } else {
      report.manifestsRepaired += (
        await writeManifests(
          stale.map((i) => ports[i]!),
          manifest,
          at,
        )
      ).written;
    }
    return true;
  }
  live.add(versionPrefix(key, manifest.version));
  if (manifest.dataShards !== codec.dataShards || manifest.parityShards !== codec.parityShards) {
    unrepaired(
      `written as ${manifest.dataShards}+${manifest.parityShards} shards; this port is ${codec.dataShards}+${codec.parityShards}`,
    );
    return true;
  }
  const shards = await healShards(ports, codec, manifest, signal);
  report.corruptBlocks += shards.corruptBlocks;
  report.shardsRebuilt += shards.rebuilt.length;
  if (shards.unrepaired) {
    // heal() spreads a manifest only when its object is whole: the other ports' versions keep their shards
    for (const vote of votes)
      if (vote && !(vote instanceof Error)) live.add(versionPrefix(key, vote.version));
    unrepaired(shards.unrepaired);
    return true;
  }
  if (shards.rebuilt.length > 0 || stale.length > 0) {
    const fixed: Manifest = {
      ...manifest,
      written: manifest.written.map((w, i) => w || shards.rebuilt.includes(i)),
    };
    // after a rebuild every port learns which shards exist, but a write in flight keeps its manifest
    const targets =
      shards.rebuilt.length > 0 ? ports.flatMap((_, i) => (pending.includes(i) ? [] : [i])) : stale;
    const { written } = await writeManifests(
      targets.map((i) => ports[i]!),
      fixed,
      at,
    );
    report.manifestsRepaired += Math.min(stale.length, written);
  }
  return true;
}

/** Removes a key's manifest from `ports`; returns how many calls succeeded. */
async function removeManifests(ports: StoragePort[], key: string): Promise<number> {
  const results = await Promise.allSettled(ports.map((p) => p.delete(manifestKey(key))));
  return results.filter((r) => r.status === 'fulfilled').length;
}
