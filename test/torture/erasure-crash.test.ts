/**
 * Crash loop on erasure 4+2 over six folders (issue #14, deliver 2 and 3): a child process puts and
 * deletes keys and is SIGKILLed at a random moment, again and again; every few kills heal() runs while
 * the next writer is busy (it must never touch a live version). After each kill every key reads exactly
 * one whole version, no older than the last one acknowledged (or NotFound where none was or the last
 * acknowledged call deleted it and nothing newer landed), and list() agrees with get(). heal() beside
 * the writer also sweeps the folders (10 s grace) while the writer runs. At the end heal() leaves no
 * orphaned shard, no lock, data file or empty folder a crash left, nothing it cannot repair, and a
 * write to every key succeeds.
 * Short mode: 50 kills; `BUCKETKIT_TORTURE=long`: 260.
 *
 * The folders are not fsynced (`durable: false`): a killed process loses nothing the kernel holds, so
 * syncing would only add I/O waits (fsync ordering under power loss is the file port's own torture,
 * file-crash.test.ts). Locks a killed writer held are aged past the file port's 30 s stale limit
 * rather than waited for; the next writer or heal() takes them over.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { BucketkitError, fileStorage, type StoragePort } from '../../src/index.js';
import { generationOf, versionBytes } from './erasure-crash-versions.js';
import { age, dataAndTempFiles, lockFiles } from './support/file-versions.js';

const LONG = process.env.BUCKETKIT_TORTURE === 'long';
const KILLS = LONG ? 260 : 50;
const KEYS = ['a', 'b/c', 'big', 'd/e/f', 'unicodé'];
const scratch = mkdtempSync(join(tmpdir(), 'bk-torture-erasure-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The child bundled once (starting it through tsx would cost seconds per kill). */
async function bundleChild(): Promise<string> {
  // inside the project, so the bundle's external packages resolve from its node_modules
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  const file = join(process.cwd(), '.tmp', `erasure-crash-child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, 'erasure-crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: file,
    external: ['@aws-sdk/*', '@smithy/*', 'xxhash-wasm'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return file;
}

/** Folders under `root` (not `root` itself) with nothing in them. */
function emptyFolders(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.length === 0 && dir !== root) found.push(dir);
    for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(root);
  return found;
}

interface Child {
  proc: ChildProcess;
  /** Resolves once the child has acknowledged `count` calls (or ended). */
  acks(count: number): Promise<void>;
  exited: Promise<void>;
  /** What the child wrote to stderr when it ended other than by SIGKILL (a failed call). */
  failure(): string | undefined;
}

function startChild(file: string, arg: unknown, onLine: (line: string) => void): Child {
  const proc = spawn(process.execPath, [file, JSON.stringify(arg)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: process.cwd(),
  });
  let seen = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  let buffered = '';
  let errors = '';
  proc.stderr!.on('data', (d) => {
    errors += d;
  });
  proc.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      onLine(line);
      seen++;
      if (waiting && seen >= waiting.count) waiting.resolve();
    }
  });
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      waiting?.resolve();
      resolve();
    }),
  );
  return {
    proc,
    exited,
    failure: () => (proc.signalCode !== 'SIGKILL' ? errors || `exit code ${proc.exitCode}` : undefined),
    acks: (count) =>
      new Promise<void>((resolve) => {
        if (seen >= count || proc.exitCode !== null) resolve();
        else waiting = { count, resolve };
      }),
  };
}

describe(`erasure over folders under SIGKILL (${LONG ? 'long' : 'short'} mode)`, () => {
  it(
    `${KILLS} kills of a writer leave every key whole, acknowledged, listed as read, healable and writable`,
    async () => {
      const roots = Array.from({ length: 6 }, (_, i) => join(scratch, `disk${i}`));
      const disks: StoragePort[] = roots.map((root) => fileStorage(root, { durable: false }));
      const port = erasure(disks, { parity: 2, blockSize: 4096, hedgeAfterMs: 50 });
      const file = await bundleChild();
      /** The last acknowledged call per key: a generation it put, or -generation for a delete. */
      const acked = new Map<string, number>();
      /** The latest delete started per key (acknowledged or not: a killed delete may have landed). */
      const deleting = new Map<string, number>();
      const tally = {
        kills: 0,
        acks: 0,
        heals: 0,
        locks: 0,
        sweptBesideWriter: 0,
        swept: 0,
        newer: 0,
        notFound: 0,
      };
      /** Locks left by a kill (a shard or manifest write in flight). */
      const locks = new Set<string>();
      let random = 7;
      const next = () => {
        random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
        return random / 2 ** 31;
      };

      for (let i = 0; i < KILLS; i++) {
        const child = startChild(file, { roots, keys: KEYS, gen: i * 1_000_000 }, (line) => {
          const [kind, key, generation] = line.split(' ');
          if (kind === 'try-del') deleting.set(key!, Number(generation));
          else {
            acked.set(key!, kind === 'del' ? -Number(generation) : Number(generation));
            tally.acks++;
          }
        });
        const healing = i % 10 === 9;
        // a heal() beside the running writer: the grace period covers the writes in flight
        const healed = healing ? heal(port, { orphanGraceMs: 10_000 }) : undefined;
        await child.acks(1 + Math.floor(next() * 6));
        await new Promise((resolve) => setTimeout(resolve, next() * 40));
        child.proc.kill('SIGKILL');
        await child.exited;
        expect(child.failure(), `writer ${i}`).toBeUndefined();
        tally.kills++;
        if (healed) {
          const report = await healed;
          expect(report.unrecoverable, `heal() beside writer ${i}`).toEqual([]);
          tally.heals++;
          tally.sweptBesideWriter += report.swept.locks + report.swept.folders + report.swept.dataFiles;
        }
        // a shard's or manifest's lock the killed child held: provably stale, aged rather than waited for (30 s)
        for (const lock of roots.flatMap((root) => lockFiles(root))) {
          age(lock);
          locks.add(lock);
        }
        await checkEveryKey(`after kill ${i + 1}`);
      }

      const report = await heal(port, { orphanGraceMs: 0 });
      expect(report.unrecoverable).toEqual([]);
      await checkEveryKey('after heal()');
      // the version folders that heal() emptied go at the next one (it only sweeps untouched folders)
      const again = await heal(port, { orphanGraceMs: 0 });
      expect(again.unrecoverable).toEqual([]);
      tally.swept = report.swept.locks + report.swept.folders + again.swept.folders;
      await checkEveryKey('after a second heal()');
      // nothing a crash left is still on the disks: no lock, no unreferenced file, no empty folder
      for (const root of roots) {
        expect(lockFiles(root), root).toEqual([]);
        expect(dataAndTempFiles(root).files, root).toBe(0);
        expect(emptyFolders(root), root).toEqual([]);
      }
      // no shard object of any version but the current ones is left
      const current = new Set<string>();
      for (const key of KEYS) {
        const votes = await Promise.all(
          disks.map((d) =>
            d.get(`m/${key}`).then(
              (r) => r.text(),
              () => '',
            ),
          ),
        );
        for (const text of votes) if (text) current.add(JSON.parse(text).version as string);
      }
      for (const disk of disks) {
        for await (const entry of disk.list({ prefix: 'd/' })) {
          if (entry.type === 'object') expect(current.has(entry.key.split('/')[2]!), entry.key).toBe(true);
        }
      }
      for (const key of KEYS) {
        await port.put(key, versionBytes(key, 999_999_999));
        expect(generationOf(key, await (await port.get(key)).bytes())).toBe(999_999_999);
      }
      tally.locks = locks.size;
      process.stderr.write(`erasure crash loop: ${JSON.stringify(tally)}\n`);
      expect(tally.kills).toBe(KILLS);
      expect(tally.acks).toBeGreaterThan(KILLS);

      async function checkEveryKey(when: string) {
        const listed = new Set<string>();
        for await (const entry of port.list()) if (entry.type === 'object') listed.add(entry.key);
        for (const key of KEYS) {
          const last = acked.get(key);
          let generation: number | undefined;
          try {
            const bytes = await (await port.get(key)).bytes();
            generation = generationOf(key, bytes);
            expect(generation, `${key} ${when}: not a whole version`).toBeDefined();
          } catch (err) {
            if (!BucketkitError.is(err, 'NotFound')) throw err;
          }
          expect(listed.has(key), `${key} ${when}: list() and get() disagree`).toBe(generation !== undefined);
          if (generation === undefined) {
            // no object: nothing was acknowledged, or the last acknowledged call deleted it
            expect(
              last === undefined || last < 0 || (deleting.get(key) ?? 0) > last,
              `${key} ${when}: acknowledged ${last} but not found`,
            ).toBe(true);
            tally.notFound++;
          } else if (last !== undefined) {
            expect(generation, `${key} ${when}: older than acknowledged`).toBeGreaterThanOrEqual(
              Math.abs(last),
            );
            if (generation > Math.abs(last)) tally.newer++;
          }
        }
      }
    },
    LONG ? 4 * 3_600_000 : 600_000,
  );
});
