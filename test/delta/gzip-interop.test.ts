import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeltaSpace } from '../../src/delta/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/index.js';
import { versionPair } from './edits.js';
import { xdelta3Decode, xdelta3Encode } from './xdelta3.js';

const { source: tar1, target: tar2 } = versionPair(300_000, 70, true);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What DeltaGlider's Python CLI leaves for a `.tar.gz`: xdelta3 without -D, so over the gunzipped bytes. */
async function deltaGliderGz(ref: Uint8Array, target: Uint8Array) {
  const port = memoryStorage();
  const delta = xdelta3Encode(ref, target, ['-9']);
  await port.put('dg/reference.bin', ref, {
    metadata: { 'dg-tool': 'deltaglider/6.1.2', 'dg-file-sha256': sha(ref), 'dg-note': 'reference' },
  });
  await port.put('dg/app-2.tar.gz.delta', delta, {
    metadata: {
      'dg-tool': 'deltaglider/6.1.2',
      'dg-original-name': 'app-2.tar.gz',
      'dg-file-sha256': sha(target),
      'dg-file-size': String(target.length),
      'dg-created-at': '2026-01-01T00:00:00.000000Z',
      'dg-ref-key': 'dg/reference.bin',
      'dg-ref-sha256': sha(ref),
      'dg-delta-size': String(delta.length),
    },
  });
  return { space: new DeltaSpace(port, { prefix: 'dg' }), delta };
}

describe('DeltaGlider .gz deltas (xdelta3 over decompressed bytes, app header …/G/…/G)', () => {
  it('reads them when recompressing rebuilds the exact gzip bytes', async () => {
    const gz1 = new Uint8Array(gzipSync(tar1));
    const gz2 = new Uint8Array(gzipSync(tar2));
    const { space, delta } = await deltaGliderGz(gz1, gz2);
    expect(new TextDecoder().decode(delta.subarray(0, 64))).toMatch(/\/G\/[^/]*\/G/);
    expect(delta.length).toBeLessThan(gz2.length / 5); // it really is a delta of the tar bytes
    const back = await space.get('app-2.tar.gz');
    expect(Buffer.from(back).equals(Buffer.from(gz2))).toBe(true);
  });

  it('a typed Unsupported error, never different bytes, when the gzip cannot be rebuilt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bk-gz-'));
    try {
      writeFileSync(join(dir, 'app-1.tar'), tar1);
      writeFileSync(join(dir, 'app-2.tar'), tar2);
      // GNU gzip with the file name in the header (what `gzip app.tar` writes).
      const gz1 = new Uint8Array(execFileSync('gzip', ['-c', '-9', join(dir, 'app-1.tar')]));
      const gz2 = new Uint8Array(execFileSync('gzip', ['-c', '-9', join(dir, 'app-2.tar')]));
      const { space, delta } = await deltaGliderGz(gz1, gz2);
      // xdelta3 itself gives back other bytes than were stored: DeltaGlider's SHA-256 check fails.
      expect(Buffer.from(xdelta3Decode(gz1, delta)).equals(Buffer.from(gz2))).toBe(false);
      const err = await space.get('app-2.tar.gz').catch((e) => e);
      expect(BucketkitError.is(err, 'Unsupported')).toBe(true);
      expect(err.message).toMatch(/byte for byte/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
