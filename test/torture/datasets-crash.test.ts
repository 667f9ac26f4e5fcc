/**
 * Crash loop on a dataset in a folder: a child process uploads new dataranges and aggregates adjacent
 * ones until it is SIGKILLed at a random moment. After every kill the dataset reads every datapoint
 * at most once and whole, every acknowledged upload is there, and nothing appears that was never
 * uploaded; every few kills (and at the end), once the dead writers' leases have lapsed, aggregation
 * runs again over every adjacent run and gc() leaves exactly the objects the manifest names.
 * `BUCKETKIT_TORTURE=long` runs the long mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregate, type Dataset, datasets, gc, parseDatarangeKey, range } from '../../src/datasets/index.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { isDatapoint } from './support/datasets-points.js';
import { byMode, MODE, startChild } from './support/file-children.js';
import { between, sleep } from './support/file-protocol.js';
import { age, lockFiles } from './support/file-versions.js';

const KILLS = byMode(50, 260);
const SETTLE_EVERY = byMode(10, 20);
/** The children's lease: a killed child's reservations stop holding this long after it died. */
const LEASE_MS = 1000;
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe(`datasets under SIGKILL (${MODE} mode)`, () => {
  it(
    `${KILLS} kills of uploads and aggregations: every datapoint once, aggregation runs again, gc leaves no orphans`,
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'bk-torture-datasets-'));
      roots.push(root);
      const port = fileStorage(root);
      const ds = await datasets(port).create('crash');
      let present = new Set<number>();
      let next = 1;
      const damage: string[] = [];
      const tally = {
        kills: 0,
        midAggregation: 0,
        uploads: 0,
        aggregations: 0,
        refused: 0,
        inFlight: 0,
        landed: 0,
        reads: 0,
      };
      const settled = { rounds: 0, aggregated: 0, expired: 0, deleted: 0, deferred: 0 };
      for (let i = 1; i <= KILLS; i++) {
        const child = await startChild('datasets-child.ts', {
          root,
          name: 'crash',
          mode: 'work',
          leaseMs: LEASE_MS,
          next,
        });
        await child.waitFor((m) => m.t === 'ready');
        await sleep(between(20, 400));
        await child.kill();
        tally.kills++;
        // the child's last word was an aggregation's intent: the kill landed inside aggregate()
        const last = child.messages.findLast((m) => m.t === 'intent' || m.t === 'ack' || m.t === 'refused');
        if (last?.t === 'intent' && last.op === 'aggregate') tally.midAggregation++;
        // what the child acknowledged must be there; what it was doing may be
        const acked = new Set(present);
        const possible = new Set<number>();
        for (const m of child.messages) {
          if (m.t === 'error') damage.push(`kill ${i}: writer failed: ${m.code} ${m.message}`);
          if (m.t === 'refused') tally.refused++;
          if (m.op !== 'upload') {
            if (m.t === 'ack') tally.aggregations++;
            continue;
          }
          const points = span(Number(m.first), Number(m.last));
          if (m.t === 'intent') {
            next = Math.max(next, Number(m.last) + 1);
            for (const n of points) possible.add(n);
          }
          if (m.t === 'ack') {
            tally.uploads++;
            for (const n of points) acked.add(n);
          }
        }
        const inFlight = [...possible].filter((n) => !acked.has(n));
        tally.inFlight += inFlight.length;
        // a lock the killed child held is provably stale: aged rather than waited for (30 s)
        for (const lock of lockFiles(root)) age(lock);
        const read = await readAll(ds, next - 1, damage, i);
        tally.reads += read.size;
        for (const n of acked)
          if (!read.has(n)) damage.push(`kill ${i}: acknowledged datapoint ${n} is missing`);
        for (const n of read) {
          if (!acked.has(n) && !possible.has(n)) damage.push(`kill ${i}: datapoint ${n} was never uploaded`);
        }
        tally.landed += inFlight.filter((n) => read.has(n)).length;
        // the dead writer can no longer commit: what is there now is what must stay
        present = read;
        if (i % SETTLE_EVERY === 0 || i === KILLS) {
          await settle(port, ds, settled, damage, i);
          const again = await readAll(ds, next - 1, damage, i);
          if (again.size !== present.size) damage.push(`kill ${i}: aggregation changed the datapoints`);
        }
      }
      console.log(
        `torture datasets-crash (${MODE}): ${tally.kills} kills (${tally.midAggregation} inside an aggregation), ` +
          `${tally.uploads} acknowledged uploads and ` +
          `${tally.aggregations} aggregations by the killed writers (${tally.refused} refused, as a dead ` +
          `writer's reservation held), ${tally.inFlight} datapoints in flight at a kill (${tally.landed} landed), ` +
          `${tally.reads} datapoint reads; ${settled.rounds} settle rounds: ${settled.aggregated} aggregations ` +
          `run again, gc dropped ${settled.expired} abandoned reservations and ${settled.deleted} orphan objects ` +
          `(${settled.deferred} of a counter not yet handed out left for later); lost=${damage.filter((d) => /missing/.test(d)).length} wrong=${damage.filter((d) => !/missing/.test(d)).length}`,
      );
      expect(damage).toEqual([]);
      expect(tally.kills).toBe(KILLS);
      // the family is aggregation: a run where no kill hit one would not have tested it
      expect(tally.midAggregation).toBeGreaterThan(0);
    },
    byMode(240_000, 2_400_000),
  );
});

function span(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

/** Reads datapoints 1..last: each at most once, ascending, and whole. */
async function readAll(ds: Dataset, last: number, damage: string[], kill: number): Promise<Set<number>> {
  const seen = new Set<number>();
  if (last < 1) return seen;
  let previous = 0;
  try {
    for await (const p of range(ds, 1, last)) {
      const n = Number(p.n);
      if (n <= previous) damage.push(`kill ${kill}: datapoint ${n} read again after ${previous}`);
      if (!isDatapoint(n, p.body)) damage.push(`kill ${kill}: datapoint ${n} has the wrong bytes`);
      previous = n;
      seen.add(n);
    }
  } catch (err) {
    damage.push(`kill ${kill}: reading failed: ${String(err)}`);
  }
  return seen;
}

/**
 * With no writer running and the dead ones' leases lapsed: every run of adjacent dataranges is
 * aggregated (each must succeed), then gc() must leave exactly the objects the manifest names, but
 * for those of a counter not handed out yet (a fast-path upload writes them before its reservation).
 */
async function settle(
  port: StoragePort,
  ds: Dataset,
  settled: { rounds: number; aggregated: number; expired: number; deleted: number; deferred: number },
  damage: string[],
  kill: number,
) {
  settled.rounds++;
  await sleep(LEASE_MS + 200);
  const ranges = (await ds.manifest({ fresh: true })).dataranges;
  for (let start = 0; start < ranges.length; ) {
    let end = start;
    while (end + 1 < ranges.length && ranges[end]!.last + 1n === ranges[end + 1]!.first) end++;
    if (end > start) {
      await aggregate(ds, ranges[start]!.first, ranges[end]!.last).then(
        () => settled.aggregated++,
        (err: unknown) => damage.push(`kill ${kill}: aggregation did not run again: ${String(err)}`),
      );
    }
    start = end + 1;
  }
  const swept = await gc(ds, { graceMs: 0 });
  settled.expired += swept.expired.length;
  settled.deleted += swept.deleted.length;
  const manifest = await ds.manifest({ fresh: true });
  if (manifest.pending) damage.push(`kill ${kill}: reservations left after gc: ${manifest.pending.length}`);
  const named = new Set(manifest.dataranges.flatMap((r) => [r.key, r.key.replace(/\.tar$/, '.index')]));
  for await (const entry of port.list({ prefix: 'datas3t/crash/dataranges/' })) {
    if (entry.type !== 'object' || named.has(entry.key)) continue;
    const counter = parseDatarangeKey(entry.key)?.counter ?? -1;
    if (counter >= manifest.next) settled.deferred++;
    else damage.push(`kill ${kill}: gc left an orphan ${entry.key}`);
  }
}
