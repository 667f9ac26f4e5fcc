/** heal()'s decisions about one key's manifests: which ports to bring in line, which to leave alone. */
import type { Manifest } from './layout.js';
import { DamagedManifest, type ManifestChoice, type ManifestVotes } from './manifest-quorum.js';

export interface ManifestRepairs {
  /** Ports whose manifest is replaced by the agreed one (or removed, when the agreed answer is "none"). */
  stale: number[];
  /** Ports holding a manifest newer than the agreed one and younger than the grace period: a write in flight. */
  pending: number[];
}

/** Milliseconds since the epoch a version id was made at (layout.ts newVersion). */
export function versionTime(version: string): number {
  return Number.parseInt(version.slice(0, 10), 36);
}

/**
 * Sorts the ports that disagree with `choice`: a port with no manifest, an older one, a different one
 * of the same version (or the same one knowing of fewer written shards), a damaged one or an error is stale; a port with a newer manifest is a write in
 * flight while that version is younger than `graceMs` (left alone, its shards kept), and a failed write
 * or damage after that (stale).
 *
 * @example
 * ```ts
 * const { stale } = manifestRepairs(votes, choice, 3_600_000);
 * await writeManifests(stale.map((i) => ports[i]), choice.manifest);
 * ```
 */
export function manifestRepairs(
  votes: ManifestVotes,
  choice: ManifestChoice,
  graceMs: number,
  now = Date.now(),
): ManifestRepairs {
  const agreed = new Set(choice.agreeing);
  const repairs: ManifestRepairs = { stale: [], pending: [] };
  const written = JSON.stringify(choice.manifest?.written);
  votes.forEach((vote, i) => {
    if (agreed.has(i)) {
      // the same manifest, but it knows of fewer written shards than the others together
      if (choice.manifest && JSON.stringify((vote as Manifest).written) !== written) repairs.stale.push(i);
      return;
    }
    const ahead =
      vote !== undefined &&
      !(vote instanceof Error) &&
      (!choice.manifest || vote.version > choice.manifest.version);
    if (ahead) {
      const age = now - versionTime(vote.version);
      if (age < graceMs && age > -graceMs) repairs.pending.push(i);
      else repairs.stale.push(i);
    } else if (choice.manifest || vote instanceof DamagedManifest) repairs.stale.push(i);
    // else: no object, and this port holds none or did not answer (what it holds is unknown)
  });
  return repairs;
}
