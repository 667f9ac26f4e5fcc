/**
 * heal()'s reclaiming of what crashed writes leave below the objects a port lists: a folder port's
 * data files no record points to, temp files, locks of dead writers and empty folders (the version
 * folders whose shards heal() removed, or that a crash left empty). Each port that offers a `sweep()`
 * (`fileStorage`) does it itself; heal() only asks, with its own grace period.
 */
import { BucketkitError } from '../errors.js';
import type { StoragePort, SweepOptions, SweepReport } from '../storage/index.js';

/** A port that can reclaim what crashed writers left in it, as `fileStorage(...)` can. */
interface Sweepable {
  sweep(options?: SweepOptions): Promise<SweepReport>;
}

function sweepable(port: StoragePort): port is StoragePort & Sweepable {
  return typeof (port as Partial<Sweepable>).sweep === 'function';
}

/** An empty sweep report, to add others to. */
export function noSweep(): SweepReport {
  return { dataFiles: 0, tempFiles: 0, locks: 0, claims: 0, folders: 0, bytes: 0 };
}

/**
 * Runs `sweep({ olderThan })` on every port that has one and adds up what they removed. A port whose
 * sweep fails is skipped (the next heal() sweeps it); an abort is thrown.
 *
 * @example
 * ```ts
 * const swept = await sweepPorts(port.ports, 3_600_000);
 * ```
 */
export async function sweepPorts(
  ports: StoragePort[],
  olderThan: number,
  signal?: AbortSignal,
): Promise<SweepReport> {
  const total = noSweep();
  const reports = await Promise.all(
    ports.map(async (port) => {
      if (!sweepable(port)) return undefined;
      try {
        return await port.sweep({ olderThan, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (BucketkitError.is(err, 'Aborted')) throw err;
        return undefined;
      }
    }),
  );
  for (const report of reports) {
    if (!report) continue;
    for (const field of Object.keys(total) as Array<keyof SweepReport>) total[field] += report[field];
  }
  return total;
}
