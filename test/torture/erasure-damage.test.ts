/**
 * Issue #14 (deliver 2, erasure): a damage matrix over erasure 4+2 across six folders. Each case damages
 * one object's shards and manifests at random — swapped shards, misplaced blocks, another object's
 * shard, truncation, appended bytes, flipped bits, deleted shards, a zeroed size, deleted or damaged
 * manifests, up to and beyond the parity count — then checks against a model built from the stored
 * bytes themselves: every read is byte-exact or a typed Corrupt/NotFound (never wrong bytes, never a
 * raw error), and heal() restores exactly what is recoverable and names what is not.
 *
 * Short mode (default): 1,000+ cases. `BUCKETKIT_TORTURE=long` runs 20,000+.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { geometry, type Manifest, shardKey } from '../../src/erasure/layout.js';
import { BucketkitError, fileStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { sameBytes } from '../support/erasure-damage.js';

const LONG = process.env.BUCKETKIT_TORTURE === 'long';
const CASES = Number(process.env.BUCKETKIT_TORTURE_CASES ?? (LONG ? 20_000 : 1_000));
const N = 6;
const K = 4;
const M = 2;
const BLOCK = 256;
/** Sizes: empty, one byte, one block exactly, a short last block, several blocks. */
const SIZES = [0, 1, BLOCK, 3 * BLOCK + 5, 2 * BLOCK - 1, 4 * BLOCK, 17, BLOCK + 1];

/** xorshift32: the same cases on every run for a seed. */
function rng(seed: number) {
  let x = seed || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

type ManifestState = 'good' | 'none' | 'invalid' | 'size0' | 'tomb' | `meta${number}`;
const SHARD_OPS = ['swap', 'misplace', 'foreign', 'truncate', 'extend', 'flip', 'delete'] as const;
const MANIFEST_OPS = [
  'zeroSize',
  'blockSizeZero',
  'garbage',
  'deleteManifest',
  'deletedFlag',
  'metadata',
  'loseManifests',
] as const;

interface Original {
  key: string;
  bytes: Uint8Array;
  manifest: Manifest;
  manifestText: string[];
  shards: Uint8Array[];
}

/** What the model expects of a full read: the object, or the code of the typed error. */
type Expected = 'exact' | 'Corrupt' | 'NotFound';

function chosen(states: ManifestState[]): ManifestState | 'corrupt' | 'notfound' {
  const counts = new Map<ManifestState, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  const agreed = [...counts].filter(([s, c]) => c > M && s !== 'none' && s !== 'invalid').map(([s]) => s);
  if (agreed.length > 1) return 'corrupt';
  if (agreed.length === 1) return agreed[0]!;
  return (counts.get('none') ?? 0) > M ? 'notfound' : 'corrupt';
}

describe('erasure damage matrix (file ports in temp folders)', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it(
    `${CASES} damage cases: reads exact or typed, heal() restores what is recoverable and names the rest`,
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'bk-erasure-damage-'));
      roots.push(root);
      const disks: StoragePort[] = Array.from({ length: N }, (_, i) =>
        fileStorage(join(root, `disk${i}`), { durable: false }),
      );
      const port = erasure(disks, { parity: M, blockSize: BLOCK, hedgeAfterMs: 5 });
      const originals: Original[] = [];
      for (const [o, size] of SIZES.entries()) {
        const key = `obj-${o}-${size}`;
        const bytes = pseudoRandomBytes(size, o + 1);
        await port.put(key, bytes, { metadata: { n: String(o) } });
        const manifestText = await Promise.all(disks.map(async (d) => (await d.get(`m/${key}`)).text()));
        const manifest = JSON.parse(manifestText[0]!) as Manifest;
        const shards = await Promise.all(
          disks.map(async (d, i) => (await d.get(shardKey(key, manifest.version, i))).bytes()),
        );
        originals.push({ key, bytes, manifest, manifestText, shards });
      }
      const random = rng(LONG ? Date.now() : 14_2);
      const tally = { exact: 0, Corrupt: 0, NotFound: 0, healed: 0, named: 0 };
      let cases = 0;

      while (cases < CASES) {
        const expectations = originals.map((original) => {
          cases++;
          return damage(original);
        });
        const applied = await Promise.all(expectations);
        for (const [o, original] of originals.entries()) {
          const { full, range } = applied[o]!;
          const label = `${original.key}: ${applied[o]!.ops.join(', ')}`;
          const got = await readOrCode(port, original.key);
          if (full === 'exact') expect(sameBytes(got, original.bytes), label).toBe(true);
          else expect(got, label).toBe(full);
          tally[full]++;
          if (range) {
            const part = await readOrCode(port, original.key, range.span);
            const want = original.bytes.subarray(range.span.start, range.span.end + 1);
            if (range.exact) expect(sameBytes(part, want), `${label}, range`).toBe(true);
            else expect(['Corrupt', 'NotFound', 'InvalidRange'], `${label}, range`).toContain(part);
          }
        }
        const report = await heal(port, { orphanGraceMs: 0 });
        for (const [o, original] of originals.entries()) {
          const { recoverable, named, ops } = applied[o]!;
          const label = `${original.key}: ${ops.join(', ')}`;
          expect(report.unrecoverable.includes(original.key), label).toBe(named);
          if (recoverable) {
            await expectRestored(original, label);
            tally.healed++;
          } else {
            if (named) tally.named++;
            // never wrong bytes after heal() either
            const after = await readOrCode(port, original.key);
            if (typeof after !== 'string')
              expect(sameBytes(after, original.bytes), `${label}, healed`).toBe(true);
            await restore(original);
          }
        }
      }
      process.stderr.write(`erasure damage matrix: ${cases} cases ${JSON.stringify(tally)}\n`);
      expect(tally.exact + tally.Corrupt + tally.NotFound).toBeGreaterThanOrEqual(CASES);
      // the matrix reaches every outcome
      for (const outcome of Object.values(tally)) expect(outcome).toBeGreaterThan(0);

      /** Damages one object at random; returns what the model expects. */
      async function damage(original: Original) {
        const { key, manifest } = original;
        const g = geometry(manifest.size, BLOCK, K);
        const shards: (Uint8Array | undefined)[] = original.shards.map((s) => s.slice());
        const states: ManifestState[] = Array.from({ length: N }, () => 'good');
        const texts: (string | undefined)[] = [...original.manifestText];
        const ops: string[] = [];
        const count = 1 + random.int(LONG ? 5 : 4);
        for (let n = 0; n < count; n++) {
          const p = random.int(N);
          if (random.next() < 0.6) {
            const op = SHARD_OPS[random.int(SHARD_OPS.length)]!;
            ops.push(`${op}@${p}`);
            const shard = shards[p];
            if (op === 'swap') {
              const q = (p + 1 + random.int(N - 1)) % N;
              [shards[p], shards[q]] = [shards[q], shards[p]];
            } else if (op === 'misplace' && shard && g.blocks >= 3 && shard.length >= 2 * (g.shardSize + 4)) {
              // blocks 0 and 1 (both full) trade places
              const span = g.shardSize + 4;
              const moved = shard.slice();
              moved.set(shard.subarray(span, 2 * span), 0);
              moved.set(shard.subarray(0, span), span);
              shards[p] = moved;
            } else if (op === 'foreign') {
              const other =
                originals[
                  (originals.indexOf(original) + 1 + random.int(originals.length - 1)) % originals.length
                ]!;
              shards[p] = other.shards[p]!.slice();
            } else if (op === 'truncate' && shard && shard.length > 0) {
              shards[p] = shard.slice(0, random.int(shard.length));
            } else if (op === 'extend' && shard) {
              shards[p] = new Uint8Array([...shard, 1, 2, 3, 4, 5, 6, 7]);
            } else if (op === 'flip' && shard && shard.length > 0) {
              const flipped = shard.slice();
              flipped[random.int(shard.length)]! ^= 1 << random.int(8);
              shards[p] = flipped;
            } else if (op === 'delete' || op === 'misplace' || op === 'truncate' || op === 'flip') {
              shards[p] = undefined;
            }
          } else {
            const op = MANIFEST_OPS[random.int(MANIFEST_OPS.length)]!;
            ops.push(`${op}@m${p}`);
            const edit = (change: Record<string, unknown>, state: ManifestState) => {
              texts[p] = JSON.stringify({ ...manifest, ...change });
              states[p] = state;
            };
            if (op === 'zeroSize') edit({ size: 0 }, manifest.size === 0 ? 'good' : 'size0');
            else if (op === 'blockSizeZero') edit({ blockSize: 0 }, 'invalid');
            else if (op === 'garbage') {
              texts[p] = '{"v":1,"key":';
              states[p] = 'invalid';
            } else if (op === 'deleteManifest') {
              texts[p] = undefined;
              states[p] = 'none';
            } else if (op === 'loseManifests') {
              // m + 2 ports lose their manifest at once (more than the code tolerates)
              for (let q = p; q < p + M + 2; q++) {
                texts[q % N] = undefined;
                states[q % N] = 'none';
              }
            } else if (op === 'deletedFlag') edit({ deleted: true, size: 0 }, 'tomb');
            else edit({ metadata: { n: `other-${p}` } }, `meta${p}`);
          }
        }
        await Promise.all(
          disks.map(async (d, i) => {
            const path = shardKey(key, manifest.version, i);
            const shard = shards[i];
            if (shard === undefined) await d.delete(path);
            else if (!sameBytes(shard, original.shards[i]!)) await d.put(path, shard);
            const text = texts[i];
            if (text === undefined) await d.delete(`m/${key}`);
            else if (text !== original.manifestText[i]) await d.put(`m/${key}`, text);
          }),
        );
        // the model: which blocks of which shards still hold exactly their bytes
        const intact = (i: number, b: number) => {
          const shard = shards[i];
          const from = g.shardOffset(b);
          const to = from + g.shardLength(b) + 4;
          return (
            shard !== undefined &&
            shard.length >= to &&
            sameBytes(shard.subarray(from, to), original.shards[i]!.subarray(from, to))
          );
        };
        const blockOk = (b: number) =>
          Array.from({ length: N }, (_, i) => intact(i, b)).filter(Boolean).length >= K;
        const blocksOk = (first: number, last: number) => {
          for (let b = first; b <= last; b++) if (!blockOk(b)) return false;
          return true;
        };
        const answer = chosen(states);
        const readable = answer === 'good' && blocksOk(0, g.blocks - 1);
        const full: Expected =
          answer === 'good'
            ? readable
              ? 'exact'
              : 'Corrupt'
            : answer === 'tomb' || answer === 'notfound'
              ? 'NotFound'
              : 'Corrupt';
        let range: { span: { start: number; end: number }; exact: boolean } | undefined;
        if (manifest.size > 1) {
          const start = random.int(manifest.size - 1);
          const end = start + random.int(manifest.size - start);
          range = {
            span: { start, end },
            exact: answer === 'good' && blocksOk(Math.floor(start / BLOCK), Math.floor(end / BLOCK)),
          };
        }
        return {
          ops,
          full,
          range,
          recoverable: readable,
          named: (answer === 'good' && !readable) || answer === 'corrupt' || answer === 'size0',
        };
      }

      async function expectRestored(original: Original, label: string) {
        const version = original.manifest.version;
        for (const [i, d] of disks.entries()) {
          const shard = await d.get(shardKey(original.key, version, i)).then((r) => r.bytes());
          expect(sameBytes(shard, original.shards[i]!), `${label}: shard ${i} after heal()`).toBe(true);
          const manifest = JSON.parse(await (await d.get(`m/${original.key}`)).text());
          expect(manifest, `${label}: manifest ${i} after heal()`).toEqual(original.manifest);
        }
        expect(
          sameBytes(await readOrCode(port, original.key), original.bytes),
          `${label}: read after heal()`,
        ).toBe(true);
      }

      async function restore(original: Original) {
        await Promise.all(
          disks.map(async (d, i) => {
            await d.put(shardKey(original.key, original.manifest.version, i), original.shards[i]!);
            await d.put(`m/${original.key}`, original.manifestText[i]!);
          }),
        );
      }
    },
    LONG ? 24 * 3_600_000 : 600_000,
  );
});

/** A read's bytes, or the code of the typed error it failed with; any other error fails the test. */
async function readOrCode(
  port: StoragePort,
  key: string,
  range?: { start: number; end: number },
): Promise<Uint8Array | string> {
  try {
    return await (await port.get(key, range ? { range } : {})).bytes();
  } catch (err) {
    if (BucketkitError.is(err)) return err.code;
    throw err;
  }
}
