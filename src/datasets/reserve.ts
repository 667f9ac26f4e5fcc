/**
 * In-flight reservations in the manifest: an upload or aggregation first reserves its counter and
 * its datapoint range with a deadline and a lease its writer renews (`heartbeat.ts`), so overlapping
 * work is refused before any byte moves, and a writer that dies only holds the range until its lease
 * runs out. Every change is a manifest CAS.
 */
import { bkError } from '../errors.js';
import { type ManifestState, updateManifest } from './catalog.js';
import type { Dataset } from './datasets.js';
import { notFound } from './datasets.js';
import { type Datarange, findOverlap, type Manifest, type Reservation } from './manifest.js';

/** How long a reservation holds at most by default: one hour. */
export const DEFAULT_RESERVATION_MS = 60 * 60 * 1000;

/**
 * How long a reservation outlives its writer's last heartbeat by default: one minute (the writer
 * renews it every third of that). Clocks of the machines sharing a dataset must agree far better.
 */
export const DEFAULT_LEASE_MS = 60 * 1000;

/** Whether a reservation still holds at `now`: before its deadline and its writer's lease. */
export function holds(reservation: Reservation, now = Date.now()): boolean {
  return reservation.expires > now && (reservation.renewBy === undefined || reservation.renewBy > now);
}

/** Reservations still holding at `now`. */
export function liveReservations(manifest: Manifest, now = Date.now()): Reservation[] {
  return (manifest.pending ?? []).filter((p) => holds(p, now));
}

/**
 * Throws `PreconditionFailed` unless the reservation `counter` is still in `manifest`: a commit or
 * switch made without it could name objects `gc()` deletes, once it dropped an abandoned reservation.
 */
export function assertHeld(manifest: Manifest, counter: number): void {
  if ((manifest.pending ?? []).some((p) => p.counter === counter)) return;
  throw bkError(
    'PreconditionFailed',
    `the reservation of ${manifest.dataset} counter ${counter} was released (its writer stopped renewing it, or its deadline passed): run the upload or aggregation again`,
    { details: { dataset: manifest.dataset, counter, retryable: false } },
  );
}

/**
 * The manifest, or why `first..last` cannot be taken in it: `NotFound` for a missing dataset,
 * `InvalidArgument` with `details.overlaps` naming the committed datarange or the live reservation
 * in the way. The reservation with counter `mine` (the caller's own) is not in the way; committed
 * dataranges are not either with `committed: false` (an aggregation reserves over its sources).
 */
export function checkFree(
  current: Manifest | undefined,
  name: string,
  first: bigint,
  last: bigint,
  mine?: number,
  committed = true,
): Manifest {
  if (!current) throw notFound(name);
  const clash: (Pick<Datarange, 'first' | 'last'> & { key?: string; pending?: boolean }) | undefined =
    (committed ? findOverlap(current.dataranges, first, last) : undefined) ??
    pendingClash(
      liveReservations(current).filter((p) => p.counter !== mine),
      first,
      last,
    );
  if (clash) {
    const what = clash.pending ? 'an in-flight upload of' : 'committed datarange';
    throw bkError(
      'InvalidArgument',
      `datarange ${first}..${last} overlaps ${what} ${clash.first}..${clash.last} of ${name}`,
      {
        details: {
          dataset: name,
          first: String(first),
          last: String(last),
          overlaps: {
            first: String(clash.first),
            last: String(clash.last),
            ...(clash.key ? { key: clash.key } : {}),
            ...(clash.pending ? { pending: true } : {}),
          },
        },
      },
    );
  }
  return current;
}

function pendingClash(pending: Reservation[], first: bigint, last: bigint) {
  const p = pending.find((r) => r.first <= last && r.last >= first);
  return p ? { first: p.first, last: p.last, pending: true } : undefined;
}

/**
 * Thrown by `reserve` when the claim names a `counter` that the manifest has already handed out (an
 * upload that wrote under a predicted counter then takes the slow path).
 */
export class CounterTaken extends Error {
  constructor(readonly counter: number) {
    super(`upload counter ${counter} was taken meanwhile`);
  }
}

/**
 * Reserves a counter and `first..last` until `ttlMs` from now; `check` may refuse with more
 * conditions (aggregation checks its sources). Returns the counter: the next one, or exactly
 * `claim.counter` when given (else `CounterTaken`).
 */
export async function reserve(
  dataset: Dataset,
  claim: {
    first: bigint;
    last: bigint;
    kind: Reservation['kind'];
    ttlMs?: number;
    /** How long the reservation outlives the writer's last heartbeat (default `DEFAULT_LEASE_MS`). */
    leaseMs?: number;
    counter?: number;
    /** The writer may write its keys without a create-only condition (see `Reservation.plain`). */
    plain?: boolean;
  },
  options: { signal?: AbortSignal; check?: (manifest: Manifest) => void } = {},
): Promise<number> {
  const { port, name } = dataset;
  const ttl = positiveMs('ttlMs', claim.ttlMs ?? DEFAULT_RESERVATION_MS);
  const lease = positiveMs('leaseMs', claim.leaseMs ?? DEFAULT_LEASE_MS);
  const reserved = await updateManifest(
    port,
    name,
    (current) => {
      const manifest = checkFree(current, name, claim.first, claim.last, undefined, claim.kind === 'upload');
      options.check?.(manifest);
      const counter = manifest.next;
      if (claim.counter !== undefined && claim.counter !== counter) throw new CounterTaken(claim.counter);
      const now = Date.now();
      const reservation: Reservation = {
        counter,
        first: claim.first,
        last: claim.last,
        kind: claim.kind,
        expires: now + ttl,
        renewBy: now + lease,
        ...(claim.plain ? { plain: true as const } : {}),
      };
      return {
        manifest: { ...manifest, next: counter + 1, pending: [...(manifest.pending ?? []), reservation] },
        result: counter,
      };
    },
    casOf(dataset, options.signal),
  );
  dataset.remember(reserved.state);
  return reserved.result;
}

function positiveMs(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw bkError('InvalidArgument', `reservation ${name} ${ms} must be a positive integer of milliseconds`, {
      details: { [name]: ms },
    });
  }
  return ms;
}

/** Records the multipart upload of a reservation (so `gc()` can abort it); no-op once it is gone. */
export async function noteUploadId(
  dataset: Dataset,
  counter: number,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  await changePending(dataset, counter, (p) => ({ ...p, uploadId }), signal);
}

/** Drops a reservation (best effort: failures are swallowed, `gc()` handles what remains). */
export async function release(dataset: Dataset, counter: number): Promise<void> {
  await changePending(dataset, counter, () => undefined).catch(() => {});
}

export async function changePending(
  dataset: Dataset,
  counter: number,
  change: (p: Reservation) => Reservation | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const { port, name } = dataset;
  const { state } = await updateManifest(
    port,
    name,
    (current) => {
      if (!current) throw notFound(name);
      const pending = (current.pending ?? []).flatMap((p) => {
        if (p.counter !== counter) return [p];
        const next = change(p);
        return next ? [next] : [];
      });
      return { manifest: withPending(current, pending), result: undefined };
    },
    casOf(dataset, signal),
  );
  dataset.remember(state);
}

/**
 * Compare-and-swap options for a handle's writes: its retry policy, a start from the manifest it
 * last saw (no read when that is still current) and every fresh read remembered, so the next write
 * (a commit, a release) does not start from a state already known to be stale.
 */
export function casOf(dataset: Dataset, signal?: AbortSignal) {
  return {
    ...dataset.cas,
    signal: signal ?? dataset.cas.signal,
    known: dataset.cached(),
    onRead: (state: ManifestState) => {
      if (!state.manifest.deleted) dataset.remember(state);
    },
  };
}

/** A manifest with `pending` replaced (the field is dropped when empty). */
export function withPending(manifest: Manifest, pending: Reservation[]): Manifest {
  const { pending: _old, ...rest } = manifest;
  return pending.length ? { ...rest, pending } : rest;
}

/** Dataranges sorted by their first datapoint. */
export function sortRanges(ranges: Datarange[]): Datarange[] {
  return ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
}
