/**
 * VCDIFF benchmark: our codec (`encodeDelta` level 9, `decodeDelta`) against the real xdelta3 3.0.11
 * binary (`xdelta3 -e -9 -S none` / `xdelta3 -d`) on the same release pairs, in the same run.
 *
 *   npm run bench:delta                        # ~2-3 min on 2 cores; report on stdout, progress on stderr
 *   BENCH_BIG_MIB=100 npm run bench:delta      # the large pair at 100 MiB + 20 MiB instead of 200 + 40
 *   BENCH_DELTA_BUCKET_ONLY=1 npm run bench:delta   # only the bucket row against DeltaGlider (bench/delta-bucket.ts)
 *
 * The corpus is generated in memory from a seeded PRNG (no downloads):
 *
 * - `tar`: a synthetic source tree (text-like files) over 10 releases, packed uncompressed with 512-byte
 *   headers and 512-byte padding; each release edits a few percent of the files (inserts, deletes,
 *   blocks moved within a file), adds and removes a few files and occasionally reorders two of them.
 * - `zip`: the same releases packed zip-like: every file stored (no compression) behind a 30-byte local
 *   header plus its name, then a central directory.
 * - `big`: one random buffer of 200 MiB, and as its next version the same buffer with 40 MiB of new
 *   random bytes inserted at the front (one pair, large enough to amortise xdelta3's process start).
 *   xdelta3's default source window (`-B`, 64 MiB) is smaller than this reference, so the pair runs a
 *   second time with `-B` covering the whole reference; that row is kept out of the main totals.
 *
 * For every pair (previous release → next) the delta size, the encode rate and the decode rate (target
 * bytes per second, MB = 10^6 bytes) are measured. Ours is timed in-process around the call on buffers
 * already in memory; xdelta3 is timed as the wall time of the whole process on temp files (written
 * before timing), so its rate includes process start and file I/O. Small pairs take the best of 3 runs
 * for both sides, the large pair one run. Every decode (ours and xdelta3's) is checked byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { decodeDelta, encodeDelta } from '../src/delta/vcdiff/index.js';
import { concatBytes } from '../src/storage/index.js';
import { bucketRows, bucketTable } from './delta-bucket.js';

const MiB = 1024 * 1024;
const BIG_MIB = positiveInt(process.env.BENCH_BIG_MIB, 200);
const RELEASES = 10;
const SMALL_REPEATS = 3;

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A seeded xorshift32 generator. */
class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = Math.imul(seed, 0x9e3779b1) ^ 0x2545f491 || 1;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x;
    return x >>> 0;
  }
  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo));
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const words = new Uint32Array(out.buffer, 0, length >>> 2);
    for (let i = 0; i < words.length; i++) words[i] = this.next();
    for (let i = words.length * 4; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const WORDS = (
  'const let return function if else for while import export from class new this true false null ' +
  'value index length source target delta window buffer offset result error await async interface ' +
  'type string number boolean readonly private public static extends implements throw try catch'
).split(' ');
const encoder = new TextEncoder();

/** Source-code-like text of about `size` bytes. */
function textLike(rng: Rng, size: number): Uint8Array {
  const lines: string[] = [];
  let total = 0;
  while (total < size) {
    const words = 2 + rng.int(0, 9);
    const parts: string[] = [];
    for (let w = 0; w < words; w++) {
      const r = rng.next();
      parts.push(r % 9 === 0 ? String(r % 100000) : (WORDS[r % WORDS.length] as string));
    }
    const line = `${' '.repeat(2 * rng.int(0, 5))}${parts.join(' ')};`;
    lines.push(line);
    total += line.length + 1;
  }
  return encoder.encode(lines.join('\n')).subarray(0, size);
}

interface SourceFile {
  name: string;
  data: Uint8Array;
}

/** One edit of a file: an insert of new text, a delete, or a block moved elsewhere in the file. */
function editFile(rng: Rng, data: Uint8Array): Uint8Array {
  const n = data.length;
  const kind = rng.int(0, 3);
  if (kind === 0 || n < 64) {
    const at = rng.int(0, n + 1);
    return concatBytes([data.subarray(0, at), textLike(rng, rng.int(16, 800)), data.subarray(at)]);
  }
  const length = Math.min(rng.int(16, 1200), n >>> 1);
  const from = rng.int(0, n - length + 1);
  const rest = concatBytes([data.subarray(0, from), data.subarray(from + length)]);
  if (kind === 1) return rest;
  const to = rng.int(0, rest.length + 1);
  return concatBytes([rest.subarray(0, to), data.subarray(from, from + length), rest.subarray(to)]);
}

/** The next release: ~5 % of files get 1-3 edits, a few files come and go, sometimes two swap places. */
function nextRelease(rng: Rng, files: SourceFile[], release: number): SourceFile[] {
  const out = files.map((file) => {
    if (rng.int(0, 100) >= 5) return file;
    let data = file.data;
    for (let e = rng.int(1, 4); e > 0; e--) data = editFile(rng, data);
    return { name: file.name, data };
  });
  for (let r = rng.int(0, 3); r > 0 && out.length > 1; r--) out.splice(rng.int(0, out.length), 1);
  for (let a = rng.int(1, 4); a > 0; a--) {
    out.splice(rng.int(0, out.length + 1), 0, {
      name: `src/added-${release}-${a}.ts`,
      data: textLike(rng, rng.int(1000, 30000)),
    });
  }
  if (rng.int(0, 3) === 0) {
    const i = rng.int(0, out.length);
    const j = rng.int(0, out.length);
    [out[i], out[j]] = [out[j] as SourceFile, out[i] as SourceFile];
  }
  return out;
}

function sourceTrees(count: number): SourceFile[][] {
  const rng = new Rng(20261122);
  let files: SourceFile[] = [];
  for (let i = 0; i < 320; i++) {
    const size = rng.int(0, 10) === 0 ? rng.int(40000, 120000) : rng.int(800, 24000);
    files.push({ name: `src/module-${i >>> 4}/file-${i}.ts`, data: textLike(rng, size) });
  }
  const releases = [files];
  for (let r = 1; r < count; r++) {
    files = nextRelease(rng, files, r);
    releases.push(files);
  }
  return releases;
}

/** Uncompressed tar-like: a 512-byte header (name, octal size, mode, mtime) and the data padded to 512. */
function packTar(files: SourceFile[], release: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const file of files) {
    const header = new Uint8Array(512);
    header.set(encoder.encode(file.name).subarray(0, 100), 0);
    header.set(encoder.encode('0000644\0'), 100);
    header.set(encoder.encode(`${file.data.length.toString(8).padStart(11, '0')}\0`), 124);
    header.set(encoder.encode(`${(1790000000 + release * 86400).toString(8).padStart(11, '0')}\0`), 136);
    header.set(encoder.encode('ustar\u000000'), 257);
    parts.push(header, file.data, new Uint8Array((512 - (file.data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return concatBytes(parts);
}

/** Zip-like, stored: a 30-byte local header plus name per file, then a central directory. */
function packZip(files: SourceFile[], release: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const file of files) {
    const name = encoder.encode(file.name);
    const header = new Uint8Array(30);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, 10, true);
    view.setUint16(10, release, true);
    view.setUint32(14, crcLike(file.data), true);
    view.setUint32(18, file.data.length, true);
    view.setUint32(22, file.data.length, true);
    view.setUint16(26, name.length, true);
    parts.push(header, name, file.data);
    const entry = new Uint8Array(46);
    const ev = new DataView(entry.buffer);
    ev.setUint32(0, 0x02014b50, true);
    ev.setUint32(16, crcLike(file.data), true);
    ev.setUint32(20, file.data.length, true);
    ev.setUint32(24, file.data.length, true);
    ev.setUint16(28, name.length, true);
    ev.setUint32(42, offset, true);
    central.push(entry, name);
    offset += 30 + name.length + file.data.length;
  }
  return concatBytes([...parts, ...central, new Uint8Array(22)]);
}

/** A cheap 32-bit checksum standing in for the CRC-32 field (changes whenever a file changes). */
function crcLike(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i += 7) h = Math.imul(h ^ (data[i] as number), 0x01000193);
  return (h ^ data.length) >>> 0;
}

interface Pair {
  corpus: string;
  label: string;
  ref: Uint8Array;
  target: Uint8Array;
  repeats: number;
  /** Extra xdelta3 encode flags (only the comparison row for the large pair has any). */
  xdelta3Flags?: string[];
}

interface Row {
  pair: Pair;
  ours: { size: number; encodeMs: number; decodeMs: number };
  xdelta3: { size: number; encodeMs: number; decodeMs: number };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function timed<T>(work: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = work();
  return { value, ms: performance.now() - start };
}

function runXdelta3(args: string[]): number {
  const start = performance.now();
  const result = spawnSync('xdelta3', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`xdelta3 ${args.join(' ')} failed: ${result.error ?? result.stderr.toString()}`);
  }
  return ms;
}

function measure(pair: Pair, dir: string): Row {
  const { ref, target, repeats } = pair;
  let ours = { size: 0, encodeMs: Infinity, decodeMs: Infinity };
  let delta: Uint8Array = new Uint8Array(0);
  for (let r = 0; r < repeats; r++) {
    const enc = timed(() => encodeDelta(ref, target, { level: 9 }));
    delta = enc.value;
    const dec = timed(() => decodeDelta(ref, delta));
    if (!same(dec.value, target)) throw new Error(`${pair.corpus} ${pair.label}: our decode differs`);
    ours = {
      size: delta.length,
      encodeMs: Math.min(ours.encodeMs, enc.ms),
      decodeMs: Math.min(ours.decodeMs, dec.ms),
    };
  }
  const refPath = join(dir, 'ref');
  const targetPath = join(dir, 'target');
  const deltaPath = join(dir, 'delta');
  const outPath = join(dir, 'out');
  writeFileSync(refPath, ref);
  writeFileSync(targetPath, target);
  let xd = { size: 0, encodeMs: Infinity, decodeMs: Infinity };
  for (let r = 0; r < repeats; r++) {
    rmSync(deltaPath, { force: true });
    rmSync(outPath, { force: true });
    const encodeMs = runXdelta3([
      '-e',
      '-9',
      '-S',
      'none',
      ...(pair.xdelta3Flags ?? []),
      '-s',
      refPath,
      targetPath,
      deltaPath,
    ]);
    const decodeMs = runXdelta3(['-d', '-s', refPath, deltaPath, outPath]);
    if (!same(readFileSync(outPath), target))
      throw new Error(`${pair.corpus} ${pair.label}: xdelta3 decode differs`);
    xd = {
      size: statSync(deltaPath).size,
      encodeMs: Math.min(xd.encodeMs, encodeMs),
      decodeMs: Math.min(xd.decodeMs, decodeMs),
    };
  }
  return { pair, ours, xdelta3: xd };
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

function size(bytes: number): string {
  return bytes >= 10 * MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function goal(ratio: number, ok: boolean): string {
  return ok ? fmt(ratio, 2) : `**${fmt(ratio, 2)}**`;
}

function tableRow(label: string, rows: Row[]): string {
  const target = rows.reduce((n, r) => n + r.pair.target.length, 0);
  const sum = (pick: (r: Row) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const oSize = sum((r) => r.ours.size);
  const xSize = sum((r) => r.xdelta3.size);
  const oEnc = mbps(
    target,
    sum((r) => r.ours.encodeMs),
  );
  const xEnc = mbps(
    target,
    sum((r) => r.xdelta3.encodeMs),
  );
  const oDec = mbps(
    target,
    sum((r) => r.ours.decodeMs),
  );
  const xDec = mbps(
    target,
    sum((r) => r.xdelta3.decodeMs),
  );
  return [
    label,
    size(target),
    size(oSize),
    size(xSize),
    goal(oSize / xSize, oSize / xSize <= 1.1),
    fmt(oEnc),
    fmt(xEnc),
    goal(oEnc / xEnc, oEnc / xEnc >= 1),
    fmt(oDec),
    fmt(xDec),
    goal(oDec / xDec, oDec / xDec >= 0.5),
  ].join(' | ');
}

async function main(): Promise<void> {
  const started = performance.now();
  log('generating corpus…');
  const trees = sourceTrees(RELEASES);
  const tars = trees.map((files, r) => packTar(files, r));
  const zips = trees.map((files, r) => packZip(files, r));
  log("bucket row: storing every kind with bucketkit and computing DeltaGlider's layout…");
  const bucket = bucketTable(await bucketRows(tars, zips));
  if (process.env.BENCH_DELTA_BUCKET_ONLY) {
    process.stdout.write(`- date: ${new Date().toISOString()}\n\n${bucket}\n`);
    return;
  }
  const pairs: Pair[] = [];
  for (let r = 1; r < RELEASES; r++) {
    const label = `r${r - 1} → r${r}`;
    pairs.push({ corpus: 'tar', label, ref: tars[r - 1]!, target: tars[r]!, repeats: SMALL_REPEATS });
    pairs.push({ corpus: 'zip', label, ref: zips[r - 1]!, target: zips[r]!, repeats: SMALL_REPEATS });
  }
  const rng = new Rng(7);
  const bigRef = rng.bytes(BIG_MIB * MiB);
  const bigTarget = new Uint8Array(bigRef.length + (BIG_MIB / 5) * MiB);
  bigTarget.set(rng.bytes(bigTarget.length - bigRef.length));
  bigTarget.set(bigRef, bigTarget.length - bigRef.length);
  const bigLabel = `${BIG_MIB} MiB → +${BIG_MIB / 5} MiB at front`;
  pairs.push({ corpus: 'big', label: bigLabel, ref: bigRef, target: bigTarget, repeats: 1 });
  // xdelta3's default source window (-B 64 MiB) cannot reach far enough back in a 200 MiB reference; the
  // same pair again with -B covering the whole reference, as a comparison row outside the main totals.
  const window = 2 ** Math.ceil(Math.log2(bigRef.length));
  pairs.push({
    corpus: 'big-B',
    label: `${bigLabel}, xdelta3 -B ${window / MiB} MiB`,
    ref: bigRef,
    target: bigTarget,
    repeats: 1,
    xdelta3Flags: ['-B', String(window)],
  });

  // Warm up the JIT on one small pair, untimed.
  encodeDelta(tars[0]!, tars[1]!);
  decodeDelta(tars[0]!, encodeDelta(tars[0]!, tars[1]!));

  const dir = mkdtempSync(join(tmpdir(), 'bucketkit-bench-delta-'));
  const rows: Row[] = [];
  let startupMs = Infinity;
  try {
    writeFileSync(join(dir, 'one'), new Uint8Array(1));
    for (let r = 0; r < 5; r++) {
      rmSync(join(dir, 'one.vcdiff'), { force: true });
      const ms = runXdelta3([
        '-e',
        '-9',
        '-S',
        'none',
        '-s',
        join(dir, 'one'),
        join(dir, 'one'),
        join(dir, 'one.vcdiff'),
      ]);
      startupMs = Math.min(startupMs, ms);
    }
    for (const pair of pairs) {
      log(`${pair.corpus} ${pair.label} (${size(pair.target.length)})…`);
      rows.push(measure(pair, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const out: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  out.push(`- date: ${new Date().toISOString()}`);
  out.push(`- cpu: ${cpu} × ${cpus().length}, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM`);
  out.push(`- node: ${process.version} (${process.platform} ${process.arch}); xdelta3 3.0.11`);
  out.push(`- xdelta3 process start (encode of a 1-byte file, best of 5): ${fmt(startupMs)} ms`);
  out.push(`- small pairs: best of ${SMALL_REPEATS} runs each; large pair: 1 run`);
  out.push(`- total run: ${fmt((performance.now() - started) / 60000)} min`);
  out.push('');
  out.push(
    '| pair | target | delta ours | delta xdelta3 | size ratio (goal ≤ 1.1) | encode ours MB/s | encode xdelta3 MB/s | encode ratio (goal ≥ 1) | decode ours MB/s | decode xdelta3 MB/s | decode ratio (goal ≥ 0.5) |',
  );
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows)
    out.push(`| ${tableRow(`${row.pair.corpus.replace('-B', '')} ${row.pair.label}`, [row])} |`);
  for (const corpus of ['tar', 'zip']) {
    out.push(
      `| ${tableRow(
        `**${corpus}, 9 pairs**`,
        rows.filter((r) => r.pair.corpus === corpus),
      )} |`,
    );
  }
  out.push(
    `| ${tableRow(
      '**small (tar + zip), 18 pairs**',
      rows.filter((r) => r.pair.corpus === 'tar' || r.pair.corpus === 'zip'),
    )} |`,
  );
  out.push(
    `| ${tableRow(
      '**all 19 pairs (brief command)**',
      rows.filter((r) => r.pair.corpus !== 'big-B'),
    )} |`,
  );
  out.push(
    `| ${tableRow(
      '**all 19 pairs, big with xdelta3 -B**',
      rows.filter((r) => r.pair.corpus !== 'big'),
    )} |`,
  );
  out.push('');
  out.push(
    'Ratios are ours / xdelta3 over the totals of the rows (sizes summed, rates = summed target bytes / summed time); **bold** misses its goal.',
  );
  out.push('');
  out.push(
    "Storage of a bucket of versioned artifacts, against DeltaGlider 6.1.2's layout for the same files:",
  );
  out.push('');
  out.push(bucket);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
