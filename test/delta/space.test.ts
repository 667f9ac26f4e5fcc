import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeltaSpace, isDeltaCandidate, readField } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import type { StoragePort } from '../../src/storage/contract/port.js';
import { assertValidMetadata } from '../../src/storage/contract/validate.js';
import { fileStorage } from '../../src/storage/file/file.js';
import { memoryStorage } from '../../src/storage/memory/memory.js';
import { randomBytes, versionPair } from './edits.js';
import { xdelta3Decode, xdelta3Encode } from './xdelta3.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ports: Array<[string, () => StoragePort]> = [
  ['memoryStorage()', () => memoryStorage()],
  [
    'fileStorage(tmp)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bucketkit-deltaspace-'));
      dirs.push(dir);
      return fileStorage(dir, { durable: false });
    },
  ],
];

async function keys(port: StoragePort): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of port.list()) if (entry.type === 'object') out.push(entry.key);
  return out.sort();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const { source: v1, target: v2 } = versionPair(300_000, 50);
const now = () => new Date('2026-01-02T03:04:05.678Z');

for (const [label, makePort] of ports) {
  describe(`DeltaSpace on ${label}`, () => {
    it('first archive → reference.bin + zero-diff self-delta; second → a small delta; both read back', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { prefix: 'releases/app', now });
      const first = await space.put('app-1.0.zip', v1);
      expect(first).toMatchObject({ storedAs: 'delta', createdReference: true, size: v1.length });
      const second = await space.put('app-1.1.zip', v2);
      expect(second.storedAs).toBe('delta');
      expect(second.createdReference).toBe(false);
      expect(second.storedSize).toBeLessThan(v2.length / 20);
      expect(await keys(port)).toEqual([
        'releases/app/app-1.0.zip.delta',
        'releases/app/app-1.1.zip.delta',
        'releases/app/reference.bin',
      ]);
      expect(Buffer.from(await space.get('app-1.0.zip')).equals(v1)).toBe(true);
      expect(Buffer.from(await space.get('app-1.1.zip')).equals(v2)).toBe(true);
    });

    it('writes DeltaGlider metadata that fits the StoragePort rules', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { prefix: 'p', now });
      await space.put('a.zip', v1);
      await space.put('b.zip', v2);
      await space.put('notes.txt', new TextEncoder().encode('hello'));
      const ref = await port.head('p/reference.bin');
      expect(ref.metadata).toMatchObject({
        'dg-tool': 'bucketkit',
        'dg-source-name': 'a.zip',
        'dg-note': 'reference',
        'dg-created-at': '2026-01-02T03:04:05.678000Z',
      });
      expect(ref.metadata['dg-file-sha256']).toMatch(/^[0-9a-f]{64}$/);
      const zero = await port.head('p/a.zip.delta');
      expect(zero.metadata['dg-note']).toBe('zero-diff (reference identical)');
      const delta = await port.head('p/b.zip.delta');
      expect(delta.metadata).toMatchObject({
        'dg-original-name': 'b.zip',
        'dg-file-size': String(v2.length),
        'dg-ref-key': 'p/reference.bin',
        'dg-ref-sha256': ref.metadata['dg-file-sha256'],
        'dg-delta-size': String(delta.size),
        'dg-delta-cmd': 'xdelta3 -e -9 -s reference.bin b.zip b.zip.delta',
      });
      expect(delta.metadata['dg-note']).toBeUndefined();
      const direct = await port.head('p/notes.txt');
      expect(direct.metadata).toMatchObject({
        'dg-compression': 'none',
        'dg-file-size': '5',
        'dg-created-at': '2026-01-02T03:04:05.678000',
      });
      for (const info of [ref, zero, delta, direct]) {
        expect(() => assertValidMetadata(info.metadata)).not.toThrow();
        for (const key of Object.keys(info.metadata)) expect(key).toMatch(/^dg-[a-z0-9-]+$/);
      }
    });

    it('non-archives and deltas above maxRatio are stored directly; the other form is removed', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { now });
      await space.put('base.tar', v1);
      const unrelated = randomBytes(100_000, 51);
      const r = await space.put('other.tar', unrelated);
      expect(r).toMatchObject({ storedAs: 'direct', key: 'other.tar', storedSize: unrelated.length });
      expect(Buffer.from(await space.get('other.tar')).equals(unrelated)).toBe(true);
      // The same name later fits as a delta: the direct copy goes.
      await space.put('other.tar', v2);
      expect(await keys(port)).toEqual(['base.tar.delta', 'other.tar.delta', 'reference.bin']);
      // And back to direct.
      await space.put('other.tar', unrelated);
      expect(await keys(port)).toEqual(['base.tar.delta', 'other.tar', 'reference.bin']);
      const txt = await space.put('readme.md', v2);
      expect(txt.storedAs).toBe('direct');
      // maxRatio 0 forces every non-identical file direct.
      const strict = new DeltaSpace(port, { maxRatio: 0 });
      expect((await strict.put('again.tar', v2)).storedAs).toBe('direct');
    });

    it('head and list give original names and sizes; reference.bin is not listed', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { prefix: 'x' });
      await space.put('a.zip', v1);
      await space.put('b.zip', v2);
      await space.put('c.txt', Uint8Array.of(1, 2, 3));
      await port.put('x/sub/ignored.zip', 'nested DeltaSpace');
      const info = await space.head('b.zip');
      expect(info).toMatchObject({ name: 'b.zip', key: 'x/b.zip.delta', storedAs: 'delta', size: v2.length });
      expect(info.storedSize).toBeLessThan(v2.length);
      const listed = [];
      for await (const file of space.list()) listed.push(file);
      expect(listed.map((f) => [f.name, f.storedAs, f.size])).toEqual([
        ['a.zip', 'delta', v1.length],
        ['b.zip', 'delta', v2.length],
        ['c.txt', 'direct', 3],
      ]);
      expect(BucketkitError.is(await rejection(space.head('missing.zip')), 'NotFound')).toBe(true);
      expect(BucketkitError.is(await rejection(space.get('missing.zip')), 'NotFound')).toBe(true);
    });

    it('delete removes a file; the last delta takes reference.bin with it', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { prefix: 'd' });
      await space.put('a.zip', v1);
      await space.put('b.zip', v2);
      await space.put('c.txt', Uint8Array.of(1));
      await space.delete('a.zip');
      expect(await keys(port)).toEqual(['d/b.zip.delta', 'd/c.txt', 'd/reference.bin']);
      expect(Buffer.from(await space.get('b.zip')).equals(v2)).toBe(true);
      await space.delete('b.zip');
      expect(await keys(port)).toEqual(['d/c.txt']);
      await space.delete('c.txt');
      expect(await keys(port)).toEqual([]);
    });

    it('two writers racing for the first archive: exactly one creates the reference, both read back', async () => {
      const port = makePort();
      const a = new DeltaSpace(port, { prefix: 'race' });
      const b = new DeltaSpace(port, { prefix: 'race' });
      const [ra, rb] = await Promise.all([a.put('one.zip', v1), b.put('two.zip', v2)]);
      expect([ra.createdReference, rb.createdReference].filter(Boolean)).toHaveLength(1);
      expect(Buffer.from(await a.get('one.zip')).equals(v1)).toBe(true);
      expect(Buffer.from(await a.get('two.zip')).equals(v2)).toBe(true);
    });

    it('corruption is a typed Corrupt error: delta, direct object, reference', async () => {
      const port = makePort();
      const space = new DeltaSpace(port, { prefix: 'c' });
      await space.put('a.zip', v1);
      await space.put('b.zip', v2);
      await space.put('n.txt', Uint8Array.of(1, 2, 3));
      // A direct object whose bytes no longer match dg-file-sha256.
      const direct = await port.head('c/n.txt');
      await port.put('c/n.txt', Uint8Array.of(1, 2, 4), { metadata: direct.metadata });
      expect(BucketkitError.is(await rejection(space.get('n.txt')), 'Corrupt')).toBe(true);
      // A delta whose recorded SHA-256 is wrong.
      const delta = await port.get('c/b.zip.delta');
      const deltaBytes = await delta.bytes();
      await port.put('c/b.zip.delta', deltaBytes, {
        metadata: { ...delta.metadata, 'dg-file-sha256': '0'.repeat(64) },
      });
      expect(BucketkitError.is(await rejection(space.get('b.zip')), 'Corrupt')).toBe(true);
      // A reference that changed under the deltas.
      const ref = await port.get('c/reference.bin');
      const refBytes = (await ref.bytes()).slice();
      refBytes[10] = (refBytes[10] as number) ^ 1;
      await port.put('c/reference.bin', refBytes, { metadata: ref.metadata });
      expect(BucketkitError.is(await rejection(space.get('a.zip')), 'Corrupt')).toBe(true);
    });

    it('refuses names that cannot be DeltaGlider names', async () => {
      const space = new DeltaSpace(makePort());
      for (const name of ['a/b.zip', 'reference.bin', 'x.delta', 'café.zip', '']) {
        expect(BucketkitError.is(await rejection(space.put(name, v1)), 'InvalidArgument')).toBe(true);
      }
    });
  });
}

describe('DeltaGlider interop', () => {
  it('reads a bucket laid out by DeltaGlider: xdelta3-default (LZMA) deltas, legacy underscored metadata', async () => {
    const port = memoryStorage();
    const shaOf = async (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const refSha = await shaOf(v1);
    await port.put('dg/reference.bin', v1, {
      metadata: { 'dg-tool': 'deltaglider/6.1.2', 'dg-file-sha256': refSha, 'dg-note': 'reference' },
    });
    const delta = xdelta3Encode(v1, v2, ['-9']);
    expect(delta[4]).toBe(0x05);
    await port.put('dg/app-2.zip.delta', delta, {
      metadata: {
        tool: 'deltaglider/5.0.0',
        original_name: 'app-2.zip',
        file_sha256: await shaOf(v2),
        file_size: String(v2.length),
        ref_key: 'dg/reference.bin',
        ref_sha256: refSha,
        delta_size: String(delta.length),
      },
    });
    const space = new DeltaSpace(port, { prefix: 'dg' });
    expect(Buffer.from(await space.get('app-2.zip')).equals(v2)).toBe(true);
    expect((await space.head('app-2.zip')).size).toBe(v2.length);
  });

  it('our deltas are rebuilt by `xdelta3 -d -s reference.bin` (what DeltaGlider runs)', async () => {
    const port = memoryStorage();
    const space = new DeltaSpace(port);
    await space.put('a.jar', v1);
    await space.put('b.jar', v2);
    const delta = await (await port.get('b.jar.delta')).bytes();
    expect(Buffer.from(xdelta3Decode(v1, delta)).equals(v2)).toBe(true);
  });

  it('readField accepts every spelling and isDeltaCandidate follows DeltaGlider', () => {
    expect(readField({ 'dg-file-size': '1' }, 'file-size')).toBe('1');
    expect(readField({ dg_file_size: '2' }, 'file-size')).toBe('2');
    expect(readField({ file_size: '3' }, 'file-size')).toBe('3');
    expect(readField({ 'file-size': '4' }, 'file-size')).toBe('4');
    expect(readField({}, 'file-size')).toBeUndefined();
    expect(isDeltaCandidate('x.TAR.GZ')).toBe(true);
    expect(isDeltaCandidate('x.iso')).toBe(true);
    expect(isDeltaCandidate('x.txt')).toBe(false);
  });
});
