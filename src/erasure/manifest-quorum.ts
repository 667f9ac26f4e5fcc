/**
 * Which manifest of a key the ports agree on. No port is trusted alone: a manifest counts only when at
 * least m + 1 ports hold it identically, the fewest ports that cannot all be among the m the code
 * tolerates to fail or lie. Among such answers the newest version wins, and "no manifest" counts as an
 * answer older than any version, so a write that reached fewer ports than that (interrupted before it
 * was acknowledged) reads as if it never happened.
 *
 * Why the newest agreed answer never goes back behind an acknowledged write: a write is acknowledged
 * once its manifest reached ≥ k ports (writeQuorum ≥ k, and > k when k = m), which leaves ≤ m ports for
 * any older answer, too few to agree on it.
 */
import { bkError } from '../errors.js';
import type { Manifest } from './layout.js';
import { sharedFailure } from './port-failures.js';

/** A manifest a port holds but that does not parse or has a malformed field: it counts for nothing. */
export class DamagedManifest extends Error {
  constructor() {
    super('damaged manifest');
  }
}

/** A port that had not answered when the votes were counted (or whose answer came after an abort). */
export class NoAnswer extends Error {
  constructor() {
    super('no answer');
  }
}

/** What each port says about a key: its manifest, `undefined` when it has none, or the error it gave. */
export type ManifestVotes = (Manifest | undefined | Error)[];

export interface ManifestChoice {
  /**
   * The agreed manifest, with `written` merged over the ports that hold it (a tombstone when the key was
   * deleted), or undefined when the agreed answer is that there is no such key.
   */
  manifest: Manifest | undefined;
  /** Indexes of the ports whose vote is that answer. */
  agreeing: number[];
}

/** A manifest's identity for agreement: every field but `written` (which heal() may widen on some ports). */
function identity(manifest: Manifest): string {
  const { written: _, metadata, ...rest } = manifest;
  const sorted = (o: Record<string, unknown>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  return JSON.stringify([sorted(rest), sorted(metadata)]);
}

const compareDescending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/**
 * The newest answer at least `agree` ports give identically, or undefined when no answer has that many
 * (or two different manifests of one version both have: more ports lie than the code tolerates).
 *
 * @example
 * ```ts
 * const choice = chooseManifest(await readManifests(ports, key), parity + 1);
 * if (!choice) throw bkError('Corrupt', 'manifests disagree; run heal()');
 * ```
 */
export function chooseManifest(votes: ManifestVotes, agree: number): ManifestChoice | undefined {
  const groups = new Map<string, { manifest: Manifest; ports: number[] }>();
  const none: number[] = [];
  votes.forEach((vote, i) => {
    if (vote === undefined) none.push(i);
    if (!vote || vote instanceof Error) return;
    const id = identity(vote);
    const group = groups.get(id);
    if (group) group.ports.push(i);
    else groups.set(id, { manifest: vote, ports: [i] });
  });
  const agreed = [...groups.values()]
    .filter((g) => g.ports.length >= Math.max(1, agree))
    .sort((a, b) => compareDescending(a.manifest.version, b.manifest.version));
  const [newest, next] = agreed;
  if (newest) {
    if (next && next.manifest.version === newest.manifest.version) return undefined;
    const written = newest.manifest.written.map((_, s) =>
      newest.ports.some((i) => (votes[i] as Manifest).written[s]),
    );
    return { manifest: { ...newest.manifest, written }, agreeing: newest.ports };
  }
  return none.length >= Math.max(1, agree) ? { manifest: undefined, agreeing: none } : undefined;
}

/**
 * The typed error for a key whose ports agree on nothing: the code every port failed with when they
 * all failed alike (port-failures.ts), else `Backend` (retryable) when too few ports answered to agree,
 * `Corrupt` when enough answered but disagree.
 *
 * @example
 * ```ts
 * const choice = chooseManifest(votes, agree) ?? throwUndecided(key, votes, agree);
 * ```
 */
export function throwUndecided(key: string, votes: ManifestVotes, agree: number): never {
  const answered = votes.filter((v) => !(v instanceof Error) || v instanceof DamagedManifest).length;
  if (answered === 0) {
    // every port that answered failed, all with one code (the others have not answered yet)
    const failed = votes.filter((v) => !(v instanceof NoAnswer));
    const shared = sharedFailure(failed, `reading the manifest of "${key}"`, { key }, votes.length);
    if (shared) throw shared;
  }
  if (answered < agree) {
    throw bkError(
      'Backend',
      `only ${answered} of ${votes.length} ports answered for "${key}"; ${agree} must agree on its manifest`,
      { details: { key, retryable: true }, cause: votes.find((v) => v instanceof Error) },
    );
  }
  throw bkError(
    'Corrupt',
    `the ports' manifests of "${key}" disagree (fewer than ${agree} hold the same one); run heal() or restore`,
    { details: { key } },
  );
}

/** The newest well-formed manifest any port holds, agreed or not (what a tombstone must supersede). */
export function newestVote(votes: ManifestVotes): Manifest | undefined {
  let newest: Manifest | undefined;
  for (const vote of votes) {
    if (vote && !(vote instanceof Error) && (!newest || vote.version > newest.version)) newest = vote;
  }
  return newest;
}
