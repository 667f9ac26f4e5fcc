/** Interop with the real GNU tar: its archives in every format, and ours through its reader. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIndex,
  decodeIndex,
  entriesRange,
  formatDatapointName,
  readTar,
  tarBytes,
  tarContent,
  validateDatarange,
} from '../../src/datasets/index.js';
import { concat, END } from './tar-helpers.js';

function gnuTar(): boolean {
  try {
    return execFileSync('tar', ['--version']).toString().includes('GNU tar');
  } catch {
    return false;
  }
}
// Debian ships GNU tar; the interop tests need it and fail (not skip) without it.
const HAS_GNU_TAR = gnuTar();

const tar = (args: string[], input?: Uint8Array) =>
  execFileSync('tar', args, { input, maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });

function bodyOf(seed: number, length: number): Uint8Array {
  let x = seed | 1;
  return Uint8Array.from({ length }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

// A 150-byte file name for GNU and PAX; ustar cannot hold a 150-byte component, so it gets a
// 150-byte path that splits into its prefix and name fields.
const LONG_FILE = `${'n'.repeat(146)}.bin`;
const LONG_PATH = `${'p'.repeat(70)}/${'q'.repeat(70)}/${'r'.repeat(4)}.bin`;

const files: Record<string, Uint8Array> = {
  'a.txt': new TextEncoder().encode('hello\n'),
  'empty.txt': new Uint8Array(),
  'exact.bin': bodyOf(1, 1024),
  'odd.bin': bodyOf(2, 3001),
  'ünïcødé.txt': new TextEncoder().encode('ü'),
  [LONG_FILE]: bodyOf(3, 700),
  [LONG_PATH]: bodyOf(4, 513),
};

let dir: string;
beforeAll(() => {
  if (!HAS_GNU_TAR) throw new Error('these tests need GNU tar on the PATH (Debian: apt-get install tar)');
  dir = mkdtempSync(join(tmpdir(), 'bucketkit-tar-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'src', name)), { recursive: true });
    writeFileSync(join(dir, 'src', name), body);
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reading archives made by GNU tar', () => {
  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`--format=${format}`, () => {
      const names = Object.keys(files).filter((n) => format !== 'ustar' || n !== LONG_FILE);
      const bytes = tar(['--format', format, '--sort=name', '-cf', '-', '-C', join(dir, 'src'), ...names]);
      expect(bytes.length % 10240).toBe(0); // GNU tar's record padding, which the reader must accept
      const entries = readTar(bytes);
      expect(entries.map((e) => e.name).sort()).toEqual([...names].sort());
      for (const entry of entries) {
        expect(tarContent(bytes, entry)).toEqual(Buffer.from(files[entry.name]!));
        expect(entry.contentOffset).toBe(entry.headerOffset + 512 * entry.headerBlocks);
      }
      const long = entries.find((e) => e.name === (format === 'ustar' ? LONG_PATH : LONG_FILE))!;
      // gnu: an `L` header and one block of name before the entry's own header; pax: an `x` header
      // and its records; ustar: the prefix field, one block.
      expect(long.headerBlocks).toBe(format === 'ustar' ? 1 : 3);
      if (format === 'pax') expect(entries.every((e) => e.headerBlocks >= 3)).toBe(true);
      expect(decodeIndex(buildIndex(entries))).toHaveLength(entries.length);
    });
  }

  it('directories are reported only on request, so a directory archive yields its files', () => {
    const bytes = tar(['--format', 'gnu', '-cf', '-', '-C', dir, 'src']);
    const all = readTar(bytes, { all: true });
    expect(all.filter((e) => e.type === 'directory').length).toBeGreaterThan(0);
    expect(readTar(bytes).every((e) => e.type === 'file')).toBe(true);
  });

  it('a slice from any entry header to a later padded end, plus an end marker, is a tar that GNU tar lists', () => {
    const names = Array.from({ length: 6 }, (_, i) => formatDatapointName(100 + i, 'json'));
    const sub = join(dir, 'points');
    mkdirSync(sub, { recursive: true });
    names.forEach((n, i) => {
      writeFileSync(join(sub, n), bodyOf(i + 10, 100 * i));
    });
    for (const format of ['pax', 'gnu']) {
      const bytes = tar(['--format', format, '--sort=name', '-cf', '-', '-C', sub, ...names]);
      const entries = readTar(bytes);
      validateDatarange(entries, { first: 100n, last: 105n });
      const index = decodeIndex(buildIndex(entries));
      const { start, end } = entriesRange(index, 2, 4);
      const segment = concat(bytes.subarray(start, end + 1), END);
      const listed = tar(['-tf', '-'], segment).toString().trim().split('\n');
      expect(listed).toEqual(names.slice(2, 5));
    }
  });
});

describe('GNU tar reading archives made by the writer', () => {
  it('tar -tvf lists every entry and tar -xf extracts identical bytes', () => {
    const entries = Object.entries(files).map(([name, body]) => ({ name: `out/${name}`, body }));
    entries.push({ name: `out/${'z'.repeat(120)}/${'y'.repeat(120)}.dat`, body: bodyOf(9, 5000) });
    const bytes = tarBytes(entries, { mtime: 1_700_000_000 });
    const archive = join(dir, 'ours.tar');
    writeFileSync(archive, bytes);

    const listing = tar(['-tvf', archive]).toString().trim().split('\n');
    expect(listing).toHaveLength(entries.length);
    entries.forEach((entry, i) => {
      expect(listing[i]).toContain(` ${entry.body.length} `);
      expect(listing[i]!.endsWith(entry.name)).toBe(true);
      expect(listing[i]).toMatch(/^-rw-r--r-- 0\/0 /);
    });

    const out = join(dir, 'extract');
    mkdirSync(out);
    tar(['-xf', archive, '-C', out]);
    for (const entry of entries) {
      expect(new Uint8Array(readFileSync(join(out, entry.name)))).toEqual(entry.body);
    }
  });

  it('an empty archive is two zero blocks that tar accepts', () => {
    const bytes = tarBytes([]);
    expect(bytes).toEqual(new Uint8Array(1024));
    expect(tar(['-tf', '-'], bytes).toString()).toBe('');
  });
});
