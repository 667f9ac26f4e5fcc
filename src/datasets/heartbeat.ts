/**
 * A writer's heartbeat: while an upload or aggregation works, it pushes its reservation's `renewBy`
 * a lease ahead every third of the lease, so the reservation of a writer that died (a SIGKILL, a
 * power cut) stops holding one lease after its last beat instead of at its deadline an hour later.
 */
import { updateManifest } from './catalog.js';
import type { Dataset } from './datasets.js';
import { casOf, DEFAULT_LEASE_MS, holds } from './reserve.js';

/** A running heartbeat. */
export interface Heartbeat {
  /** Stops renewing; resolves once a renewal in flight has settled. */
  stop(): Promise<void>;
}

/** The renewal found the reservation gone or already lapsed: it is not revived. */
class Lapsed extends Error {}

/**
 * Renews the reservation `counter` every third of `leaseMs` until stopped. A renewal that fails is
 * tried again at the next beat; one that finds the reservation released or lapsed stops the beats
 * (a lapsed reservation is not revived: a rival may hold the range by now; the writer's commit then
 * fails or is re-checked).
 *
 * @example
 * ```ts
 * const beat = heartbeat(ds, counter, 60_000);
 * try { await longWork(); } finally { await beat.stop(); }
 * ```
 */
export function heartbeat(dataset: Dataset, counter: number, leaseMs = DEFAULT_LEASE_MS): Heartbeat {
  let running: Promise<void> | undefined;
  let stopped = false;
  const beat = () => {
    if (running || stopped) return;
    running = renew(dataset, counter, leaseMs)
      .catch((err: unknown) => {
        if (err instanceof Lapsed) stop();
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(beat, Math.max(1, Math.floor(leaseMs / 3)));
  // a heartbeat alone must not keep a process alive
  (timer as { unref?: () => void }).unref?.();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    async stop() {
      stop();
      await running;
    },
  };
}

async function renew(dataset: Dataset, counter: number, leaseMs: number): Promise<void> {
  const { state } = await updateManifest(
    dataset.port,
    dataset.name,
    (current) => {
      const now = Date.now();
      const mine = current?.pending?.find((p) => p.counter === counter);
      if (!current || !mine || !holds(mine, now)) throw new Lapsed();
      const pending = current.pending!.map((p) => (p === mine ? { ...p, renewBy: now + leaseMs } : p));
      return { manifest: { ...current, pending }, result: undefined };
    },
    casOf(dataset),
  );
  dataset.remember(state);
}
