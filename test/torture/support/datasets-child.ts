/**
 * Child of the datasets crash tests, on a dataset in a folder (file port).
 * - `aggregate`: aggregates `from..to`, reporting each step; with `pauseAt` it stops at that step
 *   and waits to be killed (a writer killed mid-aggregation at a known point); with `stopAt` it
 *   SIGSTOPs itself there (a stalled writer, heartbeat included) until the parent sends SIGCONT.
 * - `work`: until killed, uploads new dataranges from datapoint `next` on and aggregates runs of
 *   adjacent dataranges, reporting each intent and acknowledgement. Refusals a concurrent or dead
 *   writer explains (an overlap with a reservation, a changed source) are reported, not fatal.
 */

import { aggregate, datasets, uploadDatarange } from '../../../src/datasets/index.js';
import { BucketkitError } from '../../../src/errors.js';
import { fileStorage } from '../../../src/storage/index.js';
import { datapoint } from './datasets-points.js';
import { childArgument, report } from './file-protocol.js';

interface Arg {
  root: string;
  name: string;
  mode: 'aggregate' | 'work';
  leaseMs: number;
  from?: number;
  to?: number;
  pauseAt?: string;
  stopAt?: string;
  next?: number;
}

const arg = childArgument<Arg>();
const ds = datasets(fileStorage(arg.root)).open(arg.name);

if (arg.mode === 'aggregate') {
  try {
    await aggregate(ds, arg.from!, arg.to!, {
      leaseMs: arg.leaseMs,
      onStep: async (s) => {
        report({ t: 'step', step: s.step });
        if (s.step === arg.pauseAt) {
          report({ t: 'paused' });
          await new Promise(() => {});
        }
        if (s.step === arg.stopAt) {
          // a stalled process (SIGSTOP: no heartbeat either) until the parent sends SIGCONT
          report({ t: 'stopping' });
          process.kill(process.pid, 'SIGSTOP');
        }
      },
    });
    report({ t: 'done' });
  } catch (err) {
    report({ t: 'failed', code: BucketkitError.is(err) ? err.code : 'untyped', message: String(err) });
  }
} else {
  report({ t: 'ready' });
  let next = arg.next!;
  for (;;) {
    try {
      if (Math.random() < 0.7) {
        const first = next;
        const last = first + Math.floor(Math.random() * 5);
        next = last + 1;
        report({ t: 'intent', op: 'upload', first, last });
        const points = [];
        for (let n = first; n <= last; n++) points.push(datapoint(n));
        await uploadDatarange(ds, points, { leaseMs: arg.leaseMs });
        report({ t: 'ack', op: 'upload', first, last });
      } else {
        const run = adjacentRun((await ds.manifest({ fresh: true })).dataranges);
        if (!run) continue;
        report({ t: 'intent', op: 'aggregate', first: run.first, last: run.last });
        await aggregate(ds, BigInt(run.first), BigInt(run.last), { leaseMs: arg.leaseMs });
        report({ t: 'ack', op: 'aggregate', first: run.first, last: run.last });
      }
    } catch (err) {
      if (!BucketkitError.is(err, 'InvalidArgument', 'PreconditionFailed')) {
        report({ t: 'error', code: BucketkitError.is(err) ? err.code : 'untyped', message: String(err) });
        process.exit(1);
      }
      report({ t: 'refused', code: err.code, message: err.message });
    }
  }
}

/** A random run of 2–4 adjacent dataranges, as bounds. */
function adjacentRun(ranges: { first: bigint; last: bigint }[]): { first: string; last: string } | undefined {
  const starts: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i++) {
    if (ranges[i]!.last + 1n === ranges[i + 1]!.first) starts.push(i);
  }
  if (starts.length === 0) return undefined;
  const at = starts[Math.floor(Math.random() * starts.length)]!;
  let end = at + 1;
  const want = 1 + Math.floor(Math.random() * 3);
  while (end - at < want && end + 1 < ranges.length && ranges[end]!.last + 1n === ranges[end + 1]!.first)
    end++;
  return { first: String(ranges[at]!.first), last: String(ranges[end]!.last) };
}
