/**
 * What DeltaGlider 6.1.2 (Python CLI) stores and how it reads, rebuilt from its documented layout
 * (`/work/shared/anchors/deltaglider.md`, "Observed on DeltaGlider 6.1.2") and the real xdelta3 it runs:
 * the DeltaGlider CLI itself is a PyPI package, not installable here (registries: npm and Debian only).
 * Keys are bucket keys: `port` is the bucket root, never a prefixed port.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metadata, StoragePort } from '../../src/storage/index.js';
import { requireXdelta3 } from './xdelta3.js';

const TOOL = 'deltaglider/6.1.2';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const createdAt = '2026-05-17T10:00:00.123456';

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bk-dg-fixture-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** DeltaGlider's encode: `xdelta3 -e -f -9 -s reference.bin <name> <name>.delta` (no -D: gzip inputs are diffed decompressed). */
export function dgEncode(reference: Uint8Array, target: Uint8Array, name: string): Uint8Array {
  requireXdelta3();
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'reference.bin'), reference);
    writeFileSync(join(dir, name), target);
    execFileSync('xdelta3', ['-e', '-f', '-9', '-s', 'reference.bin', name, `${name}.delta`], { cwd: dir });
    return new Uint8Array(readFileSync(join(dir, `${name}.delta`)));
  });
}

/** DeltaGlider's decode: `xdelta3 -d -f -s reference.bin <name>.delta <name>`. */
export function dgDecode(reference: Uint8Array, delta: Uint8Array): Uint8Array {
  requireXdelta3();
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'reference.bin'), reference);
    writeFileSync(join(dir, 'x.delta'), delta);
    execFileSync('xdelta3', ['-d', '-f', '-s', 'reference.bin', 'x.delta', 'out'], { cwd: dir });
    return new Uint8Array(readFileSync(join(dir, 'out')));
  });
}

const folderOf = (key: string) => (key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '');
const baseOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/**
 * `deltaglider cp FILE s3://bucket/<key>` for an archive: the first file of a folder becomes
 * `reference.bin` plus a zero-diff delta, later ones a delta against it; `dg-ref-key` is the bucket key.
 */
export async function dgPutArchive(bucket: StoragePort, key: string, bytes: Uint8Array): Promise<void> {
  const refKey = `${folderOf(key)}reference.bin`;
  const name = baseOf(key);
  let reference: Uint8Array;
  let note: Metadata = {};
  try {
    reference = await (await bucket.get(refKey)).bytes();
  } catch {
    reference = bytes;
    await bucket.put(refKey, bytes, {
      contentType: 'application/octet-stream',
      metadata: {
        'dg-tool': TOOL,
        'dg-source-name': name,
        'dg-file-sha256': sha256(bytes),
        'dg-created-at': `${createdAt}Z`,
        'dg-note': 'reference',
      },
    });
    note = { 'dg-note': 'zero-diff (reference identical)' };
  }
  const delta = dgEncode(reference, bytes, name);
  await bucket.put(`${key}.delta`, delta, {
    contentType: 'application/octet-stream',
    metadata: {
      'dg-tool': TOOL,
      'dg-original-name': name,
      'dg-file-sha256': sha256(bytes),
      'dg-file-size': String(bytes.length),
      'dg-created-at': `${createdAt}Z`,
      'dg-ref-key': refKey,
      'dg-ref-sha256': sha256(reference),
      'dg-delta-size': String(delta.length),
      'dg-delta-cmd': `xdelta3 -e -9 -s reference.bin ${name} ${name}.delta`,
      ...note,
    },
  });
}

/** `deltaglider cp FILE s3://bucket/<key>` for a non-archive: stored as itself with DeltaGlider's direct metadata. */
export async function dgPutDirect(bucket: StoragePort, key: string, bytes: Uint8Array): Promise<void> {
  await bucket.put(key, bytes, {
    contentType: 'application/octet-stream',
    metadata: {
      'dg-tool': TOOL,
      'dg-original-name': baseOf(key),
      'dg-file-sha256': sha256(bytes),
      'dg-file-size': String(bytes.length),
      'dg-created-at': createdAt,
      'dg-compression': 'none',
    },
  });
}

/**
 * `deltaglider cp s3://bucket/<key> FILE`: a `.delta` needs its eight keys, `dg-ref-key` taken as a
 * bucket key, the reference's SHA-256 and the result's SHA-256 checked; a direct object is read as is.
 */
export async function dgGet(bucket: StoragePort, key: string): Promise<Uint8Array> {
  let head: Awaited<ReturnType<StoragePort['head']>>;
  try {
    head = await bucket.head(`${key}.delta`);
  } catch {
    const direct = await bucket.get(key);
    const bytes = await direct.bytes();
    if (direct.metadata['dg-file-sha256'] !== undefined) {
      if (direct.metadata['dg-compression'] !== 'none')
        throw new Error(`${key}: direct without dg-compression`);
      if (sha256(bytes) !== direct.metadata['dg-file-sha256']) throw new Error(`${key}: SHA-256 mismatch`);
    }
    return bytes;
  }
  const m = head.metadata;
  for (const field of [
    'tool',
    'original-name',
    'file-sha256',
    'file-size',
    'created-at',
    'ref-key',
    'ref-sha256',
    'delta-size',
  ]) {
    if (!m[`dg-${field}`]) throw new Error(`${key}.delta: DeltaGlider needs dg-${field}`);
  }
  if (Number.isNaN(Date.parse(`${m['dg-created-at']!.replace(/Z$/, '')}Z`))) {
    throw new Error(`${key}.delta: dg-created-at does not parse`);
  }
  const reference = await (await bucket.get(m['dg-ref-key']!)).bytes();
  if (sha256(reference) !== m['dg-ref-sha256']) throw new Error(`${key}: reference SHA-256 mismatch`);
  const delta = await (await bucket.get(`${key}.delta`)).bytes();
  const bytes = dgDecode(reference, delta);
  if (sha256(bytes) !== m['dg-file-sha256']) throw new Error(`${key}: SHA-256 mismatch after decode`);
  return bytes;
}
