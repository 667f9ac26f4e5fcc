/**
 * Concurrent compare-and-swap histories across processes on one folder, with stale locks planted
 * (aged lock files, as a holder killed mid-write leaves them) while they run: six writers each make
 * `n` tagged updates to one file-port key (`ifMatch`), one db record (`update`), one dataset manifest
 * (uploads of distinct dataranges). Afterwards every tag is there exactly once: no update lost, none
 * made twice. `BUCKETKIT_TORTURE=long` runs the long mode.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasets, range } from '../../src/datasets/index.js';
import { Database } from '../../src/db/index.js';
import { recordKey } from '../../src/db/keys.js';
import { keyToPath } from '../../src/storage/file/paths.js';
import { fileStorage } from '../../src/storage/index.js';
import { isDatapoint, pointsOf } from './support/datasets-points.js';
import { byMode, MODE, startChild } from './support/file-children.js';
import { between, sleep } from './support/file-protocol.js';
import { age, lockFiles, plantStaleLock } from './support/file-versions.js';

const WRITERS = 6;
const N = { file: byMode(40, 300), db: byMode(15, 100), datasets: byMode(8, 50) };
/** Rounds of the killed histories: all writers SIGKILLed together at a random moment each round. */
const ROUNDS = byMode(10, 45);
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'bk-torture-cas-'));
  roots.push(root);
  return root;
}

/** The file port's lock file for `key` under `root` (where a crashed holder leaves it). */
function lockOf(root: string, key: string): string {
  const { dirs, base } = keyToPath(key);
  return join(root, ...dirs, `${base}~l`);
}

/**
 * Runs one history per writer at once while planting stale locks on `lock`; returns how many locks
 * were planted, the writers' retries, and any error a writer reported.
 */
async function histories(family: string, root: string, target: string, n: number, lock: string) {
  const writers = await Promise.all(
    Array.from({ length: WRITERS }, (_, id) =>
      startChild(family === 'file' ? 'cas-file-child.ts' : 'cas-child.ts', { family, root, target, id, n }),
    ),
  );
  let planted = 0;
  let running = true;
  const planter = (async () => {
    while (running) {
      if (plantStaleLock(lock)) planted++;
      await sleep(between(0, 3));
    }
  })();
  await Promise.all(writers.map((w) => w.exited));
  running = false;
  await planter;
  // the last planted lock, if no writer came to break it
  try {
    unlinkSync(lock);
  } catch {}
  const errors = writers.flatMap((w) =>
    w.messages.filter((m) => m.t === 'error').map((m) => `${m.code}: ${m.message}`),
  );
  const crashed = writers.filter((w) => !w.messages.some((m) => m.t === 'done' || m.t === 'error'));
  for (const w of crashed) errors.push(`a writer died: ${w.stderr()}`);
  const retries = writers.reduce(
    (sum, w) => sum + Number(w.messages.find((m) => m.t === 'done')?.retries ?? 0),
    0,
  );
  return { planted, retries, errors };
}

/** Every tag `<id>:<j>` of the histories, how many times it appears in `tags`. */
function tally(tags: string[], n: number) {
  const seen = new Map<string, number>();
  for (const tag of tags) seen.set(tag, (seen.get(tag) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (let id = 0; id < WRITERS; id++) {
    for (let j = 1; j <= n; j++) {
      const times = seen.get(`${id}:${j}`) ?? 0;
      if (times === 0) lost++;
      if (times > 1) duplicated += times - 1;
    }
  }
  const foreign = [...seen.keys()].filter((t) => !/^\d+:\d+$/.test(t)).length;
  return { lost, duplicated, foreign };
}

function summary(
  family: string,
  n: number,
  run: { planted: number; retries: number },
  t: ReturnType<typeof tally>,
) {
  console.log(
    `torture cas-histories ${family} (${MODE}): ${WRITERS} processes × ${n} updates = ${WRITERS * n}, ` +
      `${family === 'file' ? `${run.retries} lost races retried, ` : ''}${run.planted} stale locks planted, ` +
      `lost=${t.lost} duplicated=${t.duplicated} wrong=${t.foreign}`,
  );
}

describe(`compare-and-swap histories across processes, stale locks planted (${MODE} mode)`, () => {
  it(
    `file port: ${WRITERS} × ${N.file} ifMatch updates of one key, every one exactly once`,
    async () => {
      const root = folder();
      const port = fileStorage(root);
      await port.put('counter', '[]');
      const run = await histories('file', root, 'counter', N.file, lockOf(root, 'counter'));
      const tags = JSON.parse(await (await port.get('counter')).text()) as string[];
      const t = tally(tags, N.file);
      summary('file', N.file, run, t);
      expect(run.errors).toEqual([]);
      expect(run.planted, 'no stale lock was planted').toBeGreaterThan(0);
      expect(t).toEqual({ lost: 0, duplicated: 0, foreign: 0 });
      expect(tags).toHaveLength(WRITERS * N.file);
    },
    byMode(120_000, 1_200_000),
  );

  it(
    `file port: ${ROUNDS} rounds of ${WRITERS} writers SIGKILLed mid-history, every acknowledged update exactly once`,
    async () => {
      const root = folder();
      const port = fileStorage(root);
      await port.put('counter', '[]');
      const acked = new Set<string>();
      const damage: string[] = [];
      let kills = 0;
      let locks = 0;
      let counts = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round++) {
        const writers = await Promise.all(
          Array.from({ length: WRITERS }, (_, w) =>
            startChild('cas-file-child.ts', {
              family: 'file',
              root,
              target: 'counter',
              id: round * WRITERS + w,
              n: 1e9,
            }),
          ),
        );
        await Promise.all(writers.map((w) => w.waitFor((m) => m.t === 'ready')));
        await sleep(between(100, 600));
        await Promise.all(writers.map((w) => w.kill()));
        kills += writers.length;
        for (const [w, writer] of writers.entries()) {
          for (const m of writer.messages) {
            if (m.t === 'ack') acked.add(`${round * WRITERS + w}:${m.j}`);
            if (m.t === 'error') damage.push(`round ${round}: ${m.code} ${m.message}`);
          }
        }
        // every holder was killed and seen to exit: the locks they left are provably stale
        for (const lock of lockFiles(root)) {
          age(lock);
          locks++;
        }
        const tags = JSON.parse(await (await port.get('counter')).text()) as string[];
        counts = new Map<string, number>();
        for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
        for (const tag of acked)
          if (counts.get(tag) !== 1)
            damage.push(`round ${round}: acknowledged ${tag} is there ${counts.get(tag) ?? 0} times`);
        for (const [tag, times] of counts) {
          const id = Number(tag.split(':')[0]);
          if (times > 1 && !acked.has(tag)) damage.push(`round ${round}: ${tag} is there ${times} times`);
          if (!(id < (round + 1) * WRITERS)) damage.push(`round ${round}: ${tag} was never written`);
        }
      }
      const lost = damage.filter((d) => / 0 times/.test(d)).length;
      console.log(
        `torture cas-histories file-killed (${MODE}): ${kills} kills of ${WRITERS} concurrent writers in ${ROUNDS} rounds, ` +
          `${acked.size} acknowledged updates, ${counts.size} in the value (${counts.size - acked.size} unacknowledged ones landed), ` +
          `${locks} locks left by the kills taken over, lost=${lost} duplicated+wrong=${damage.length - lost}`,
      );
      expect(damage).toEqual([]);
      expect(acked.size).toBeGreaterThan(ROUNDS);
    },
    byMode(150_000, 1_200_000),
  );

  it(
    `db: ${WRITERS} × ${N.db} updates of one record, every increment exactly once`,
    async () => {
      const root = folder();
      const db = await new Database({ storage: fileStorage(root) }).connect();
      const counters = await db.createResource({
        name: 'counters',
        attributes: { count: 'number', log: 'array|items:string' },
      });
      await counters.insert({ id: 'shared', count: 0, log: [] });
      const run = await histories('db', root, 'shared', N.db, lockOf(root, recordKey('counters', 'shared')));
      const record = await counters.get('shared');
      const t = tally(record.log ?? [], N.db);
      summary('db', N.db, run, t);
      expect(run.errors).toEqual([]);
      expect(run.planted, 'no stale lock was planted').toBeGreaterThan(0);
      expect(t).toEqual({ lost: 0, duplicated: 0, foreign: 0 });
      expect(record.count).toBe(WRITERS * N.db);
    },
    byMode(120_000, 1_200_000),
  );

  it(
    `datasets manifest: ${WRITERS} × ${N.datasets} uploads of distinct dataranges, every one committed once`,
    async () => {
      const root = folder();
      const port = fileStorage(root);
      const ds = await datasets(port).create('shared');
      const run = await histories(
        'datasets',
        root,
        'shared',
        N.datasets,
        lockOf(root, 'datas3t/shared/manifest.json'),
      );
      const manifest = await ds.manifest({ fresh: true });
      const tags = manifest.dataranges.map((r) => {
        const first = Number(r.first);
        return `${Math.floor(first / 10_000)}:${Math.floor(((first % 10_000) - 1) / 3)}`;
      });
      const t = tally(tags, N.datasets);
      summary('datasets', N.datasets, run, t);
      expect(run.errors).toEqual([]);
      expect(run.planted, 'no stale lock was planted').toBeGreaterThan(0);
      expect(t).toEqual({ lost: 0, duplicated: 0, foreign: 0 });
      expect(manifest.pending).toBeUndefined();
      // and every datapoint reads back exactly once, whole
      for (let id = 0; id < WRITERS; id++) {
        const expected = Array.from({ length: N.datasets }, (_, j) => pointsOf(id, j + 1)).flat();
        const got: number[] = [];
        for await (const p of range(ds, expected[0]!, expected.at(-1)!)) {
          expect(isDatapoint(Number(p.n), p.body)).toBe(true);
          got.push(Number(p.n));
        }
        expect(got).toEqual(expected);
      }
    },
    byMode(120_000, 1_200_000),
  );
});
