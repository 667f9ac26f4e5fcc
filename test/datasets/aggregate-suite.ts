/** Aggregation behaviour shared by the port tests: a fault at every step leaves a whole dataset. */
import { expect, it } from 'vitest';
import {
  type AggregateStep,
  aggregate,
  coverage,
  type DatapointInput,
  type Dataset,
  datasets,
  gc,
  range,
  uploadDatarange,
} from '../../src/datasets/index.js';
import type { CrashablePort } from './crash-port.js';
import { keysOf } from './dataset-suite.js';

/** Datapoints whose bodies are `bytes` long and say their key. */
export function sized(first: number, last: number, bytes: number): DatapointInput[] {
  const out: DatapointInput[] = [];
  for (let n = first; n <= last; n++) {
    const body = new Uint8Array(bytes + (n % 5) * 17).fill(97 + (n % 26));
    body.set(new TextEncoder().encode(`#${n}#`));
    out.push({ n, ext: 'bin', body });
  }
  return out;
}

/** Reads `first..last` back and checks every body. */
export async function expectWhole(ds: Dataset, first: number, last: number, bytes: number) {
  let n = first;
  for await (const p of range(ds, first, last)) {
    expect(p.n).toBe(BigInt(n));
    expect(p.body.length).toBe(bytes + (n % 5) * 17);
    expect(new TextDecoder().decode(p.body.subarray(0, String(n).length + 2))).toBe(`#${n}#`);
    n++;
  }
  expect(n).toBe(last + 1);
  expect((await coverage(ds)).gaps).toEqual([]);
}

/** The dataset's objects are exactly what its manifest references, and nothing is pending. */
export async function expectClean(port: CrashablePort, ds: Dataset) {
  const manifest = await ds.manifest({ fresh: true });
  expect(manifest.pending).toBeUndefined();
  const referenced = manifest.dataranges.flatMap((r) => [r.key, r.key.replace(/\.tar$/, '.index')]).sort();
  expect(await keysOf(port, `datas3t/${ds.name}/dataranges/`)).toEqual(referenced);
}

const STEPS = ['reserved', 'part', 'uploaded', 'switched'] as const;
const LABEL = {
  reserved: 'before upload',
  part: 'mid-upload',
  uploaded: 'before switch',
  switched: 'before delete',
};

/** Registers one test per step: crash there, recover, read everything, gc, aggregate again. */
export function faultSuite(port: () => CrashablePort, bytes: number, perRange = 3) {
  for (const at of STEPS) {
    it(`a crash ${LABEL[at]} leaves the dataset whole; gc() removes the leftovers`, async () => {
      const name = `fault-${at}`;
      const ds = await datasets(port()).create(name);
      const n = perRange;
      for (let i = 0; i < 3; i++) await uploadDatarange(ds, sized(1 + i * n, n + i * n, bytes));
      const seen: AggregateStep['step'][] = [];
      const err = await aggregate(ds, 1, 3 * n, {
        ttlMs: 200,
        onStep: (s) => {
          seen.push(s.step);
          if (s.step === at) {
            port().crash();
            throw new Error(`injected crash ${LABEL[at]}`);
          }
        },
      }).catch((e: unknown) => e);
      expect(String(err)).toContain('injected crash');
      port().recover();
      const reader = datasets(port()).open(name);
      await expectWhole(reader, 1, 3 * n, bytes);
      const manifest = await reader.manifest({ fresh: true });
      expect(manifest.dataranges).toHaveLength(at === 'switched' ? 1 : 3);
      // Leftovers exist: the reservation (before the switch) or the old sources (after it).
      const before = await gc(reader, { graceMs: 60_000, dryRun: true });
      if (at === 'switched') expect(before.deleted).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const cleaned = await gc(reader, { graceMs: 0 });
      expect(cleaned.expired).toHaveLength(at === 'switched' ? 0 : 1);
      if (at === 'switched') expect(cleaned.deleted).toHaveLength(6);
      await expectClean(port(), reader);
      await expectWhole(reader, 1, 3 * n, bytes);
      if (at !== 'switched') {
        const done = await aggregate(reader, 1, 3 * n);
        expect(done.sources).toHaveLength(3);
        await expectWhole(reader, 1, 3 * n, bytes);
        await expectClean(port(), reader);
      }
    });
  }
}
