/**
 * The file port's syscalls of one 4 KiB PUT under three designs of a versioned bucket, replayed with
 * plain `node:fs` (no records, no JSON): what each design costs the disk layer itself, in process CPU
 * (all threads) per PUT, rounds interleaved so the machine's load falls on each alike.
 *
 *   npx tsx bench/file-put-designs.ts
 *   IN=32 npx tsx bench/file-put-designs.ts     # 32 PUTs in flight
 *
 * - `unversioned`: the key's lock (created in the thread pool), the record rewritten in place, the lock
 *   removed — what an unversioned PUT does.
 * - `current`: the version's record as a new file (lock created in the pool, renamed to its new name on
 *   the event loop), the version read back, then the key rewritten in place as above (a `put` and a
 *   `copy`: the layout in docs/gateway.md).
 * - `linked`: one record file named twice: written into the key's lock, hard-linked as the version,
 *   then renamed over the key's record (in the pool: a rename over a file makes ext4 write it out).
 * - `moved`: the key's record renamed into the versions folder, the new record renamed to the key (the
 *   newest version then lives at the key only: ListObjectVersions would need each key's metadata).
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  open,
  openSync,
  readSync,
  rename,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const IN = Number(process.env.IN ?? 1);
const N = Number(process.env.N ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const RECORD = Buffer.alloc(4096 + 300, 1);
const scratch = Buffer.alloc(16 * 1024);
const inPool = (path: string, flags: string) =>
  new Promise<number>((done, fail) => open(path, flags, (err, fd) => (err ? fail(err) : done(fd))));
const renameInPool = (from: string, to: string) =>
  new Promise<void>((done, fail) => rename(from, to, (err) => (err ? fail(err) : done())));

let made = 0;
type Design = (root: string, i: number) => Promise<void>;

function rewriteInPlace(record: string): void {
  const fd = openSync(record, 'r+');
  readSync(fd, scratch, 0, scratch.length, 0);
  writeSync(fd, RECORD, 0, RECORD.length, 5000);
  closeSync(fd);
}

const DESIGNS: Record<string, Design> = {
  async unversioned(root, i) {
    const key = join(root, 'small', String(i % 256));
    const lock = await inPool(`${key}~l`, 'wx');
    rewriteInPlace(`${key}~`);
    unlinkSync(`${key}~l`);
    closeSync(lock);
  },
  async current(root, i) {
    const key = join(root, 'small', String(i % 256));
    const version = join(root, 'v', String(i % 256), `n${made++}`);
    const versionLock = await inPool(`${version}~l`, 'wx');
    try {
      closeSync(openSync(`${version}~`, 'r'));
    } catch {
      // none yet, as expected
    }
    writeSync(versionLock, RECORD);
    closeSync(versionLock);
    renameSync(`${version}~l`, `${version}~`);
    const read = openSync(`${version}~`, 'r');
    readSync(read, scratch, 0, scratch.length, 0);
    closeSync(read);
    const lock = await inPool(`${key}~l`, 'wx');
    rewriteInPlace(`${key}~`);
    unlinkSync(`${key}~l`);
    closeSync(lock);
  },
  async linked(root, i) {
    const key = join(root, 'small', String(i % 256));
    const lock = await inPool(`${key}~l`, 'wx');
    const fd = openSync(`${key}~`, 'r');
    readSync(fd, scratch, 0, 64, 0);
    closeSync(fd);
    writeSync(lock, RECORD);
    closeSync(lock);
    linkSync(`${key}~l`, join(root, 'v', String(i % 256), `n${made++}~`));
    await renameInPool(`${key}~l`, `${key}~`);
  },
  async moved(root, i) {
    const key = join(root, 'small', String(i % 256));
    const lock = await inPool(`${key}~l`, 'wx');
    const fd = openSync(`${key}~`, 'r');
    readSync(fd, scratch, 0, scratch.length, 0);
    closeSync(fd);
    renameSync(`${key}~`, join(root, 'v', String(i % 256), `n${made++}~`));
    writeSync(lock, RECORD);
    closeSync(lock);
    renameSync(`${key}~l`, `${key}~`);
  },
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const roots = new Map<string, string>();
for (const name of Object.keys(DESIGNS)) {
  const root = mkdtempSync(join(tmpdir(), 'bk-put-designs-'));
  mkdirSync(join(root, 'small'));
  for (let i = 0; i < 256; i++) {
    mkdirSync(join(root, 'v', String(i)), { recursive: true });
    const fd = openSync(join(root, 'small', `${i}~`), 'w');
    writeSync(fd, RECORD);
    closeSync(fd);
  }
  roots.set(name, root);
}
try {
  const cpu = new Map<string, number[]>();
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, design] of Object.entries(DESIGNS)) {
      const root = roots.get(name)!;
      let next = round * N;
      const end = next + N;
      const before = process.cpuUsage();
      await Promise.all(
        Array.from({ length: IN }, async () => {
          for (let i = next++; i < end; i = next++) await design(root, i);
        }),
      );
      const used = process.cpuUsage(before);
      cpu.set(name, [...(cpu.get(name) ?? []), (used.user + used.system) / 1000 / N]);
    }
    loads.push(loadavg()[0]!);
  }
  const base = cpu.get('unversioned')!;
  const lines = [
    `${IN} in flight, ${ROUNDS} rounds of ${N} PUTs, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    '',
    '| design | CPU ms per PUT (median) | ÷ unversioned (median of rounds) |',
    '|---|---:|---:|',
    ...[...cpu].map(
      ([name, ms]) =>
        `| ${name} | ${median(ms).toFixed(3)} | ${median(ms.map((m, r) => m / base[r]!)).toFixed(2)}× |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const root of roots.values()) rmSync(root, { recursive: true, force: true });
}
