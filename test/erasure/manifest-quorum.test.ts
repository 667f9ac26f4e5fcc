/**
 * Issue #14, finding 2 (second half): when versions tied, erasure trusted one port's manifest. Now a
 * manifest counts only when m + 1 ports hold it identically, and heal() rewrites the ports that differ.
 */
import { describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { shardKey } from '../../src/erasure/layout.js';
import { BucketkitError, memoryStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { choose, corruptOrBytes, editManifest, manifestOf, sameBytes } from '../support/erasure-damage.js';

const BLOCK = 4096;
const SIZE = 3 * BLOCK + 17;

function cluster() {
  const disks = Array.from({ length: 6 }, () => memoryStorage());
  const port = erasure(disks, { parity: 2, blockSize: BLOCK, hedgeAfterMs: 20 });
  return { disks, port };
}

type Edit = (m: Record<string, unknown>) => Record<string, unknown>;

/** Ways one port's manifest goes wrong while its version stays the same (or moves ahead). */
const damages: Record<string, Edit> = {
  'size 0': (m) => ({ ...m, size: 0 }),
  'blockSize 0': (m) => ({ ...m, blockSize: 0 }),
  'size + 1000': (m) => ({ ...m, size: SIZE + 1000 }),
  'size - 1': (m) => ({ ...m, size: SIZE - 1 }),
  'deleted: true': (m) => ({ ...m, deleted: true, size: 0 }),
  'another etag': (m) => ({ ...m, etag: 'f'.repeat(32) }),
  'other metadata': (m) => ({ ...m, metadata: { owner: 'mallory' } }),
  '3 data shards': (m) => ({ ...m, dataShards: 3 }),
  'no shards written': (m) => ({ ...m, written: [false, false, false, false, false, false] }),
  'a newer version of nothing': (m) => ({ ...m, version: `${'z'.repeat(9)}0-000000000000` }),
  'not an object': () => ({ v: 1 }),
};

async function expectExact(port: StoragePort, key: string, bytes: Uint8Array, label: string) {
  expect(sameBytes(await corruptOrBytes(port, key), bytes), label).toBe(true);
  expect((await port.head(key)).size, label).toBe(bytes.byteLength);
  const listed: string[] = [];
  for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
  expect(listed, label).toEqual([key]);
}

describe('manifests chosen by ports that agree', () => {
  it('one port with a wrong manifest (any port, any field) reads exact, and heal() rewrites that port', async () => {
    for (const [name, edit] of Object.entries(damages)) {
      for (let p = 0; p < 6; p++) {
        const label = `${name} on port ${p}`;
        const { disks, port } = cluster();
        const bytes = pseudoRandomBytes(SIZE, p);
        await port.put('obj', bytes, { metadata: { owner: 'alice' } });
        const good = await manifestOf(disks[(p + 1) % 6]!, 'obj');
        await editManifest(disks[p]!, 'obj', edit);

        await expectExact(port, 'obj', bytes, label);
        expect((await port.head('obj')).metadata, label).toEqual({ owner: 'alice' });
        const report = await heal(port, { orphanGraceMs: 0 });
        expect(report, label).toMatchObject({ objects: 1, unrecoverable: [], shardsRebuilt: 0 });
        expect(report.manifestsRepaired, label).toBe(1);
        expect(await manifestOf(disks[p]!, 'obj'), label).toEqual(good);
        await expectExact(port, 'obj', bytes, `${label}, healed`);
      }
    }
  });

  it('a manifest with a field changed the same way on m ports still loses to the m + 2 that agree', async () => {
    for (const ports of choose(6, 2)) {
      const { disks, port } = cluster();
      const bytes = pseudoRandomBytes(SIZE, 7);
      await port.put('obj', bytes);
      for (const p of ports) await editManifest(disks[p]!, 'obj', damages['size 0']!);
      await expectExact(port, 'obj', bytes, `ports ${ports}`);
    }
  });

  it('when more than m ports agree on a wrong manifest, a read is Corrupt and heal() names the key', async () => {
    const { disks, port } = cluster();
    await port.put('obj', pseudoRandomBytes(SIZE, 8));
    for (const p of [0, 2, 4]) await editManifest(disks[p]!, 'obj', damages['size 0']!);
    expect(await corruptOrBytes(port, 'obj')).toBe('Corrupt');
    const report = await heal(port, { orphanGraceMs: 0 });
    expect(report.unrecoverable).toEqual(['obj']);
    expect(report.unrepaired[0]!.reason).toMatch(/same manifest/);
    // nothing was destroyed: restoring one port's manifest makes the object whole again
    await disks[0]!.put('m/obj', JSON.stringify(await manifestOf(disks[1]!, 'obj')));
    expect(await corruptOrBytes(port, 'obj')).not.toBe('Corrupt');
    // and a write over the key settles it
    await port.put('obj', 'fresh');
    expect(await (await port.get('obj')).text()).toBe('fresh');
  });

  it('a new key whose manifest reached only m ports (interrupted, never acknowledged) reads as not written', async () => {
    const { disks, port } = cluster();
    await port.put('new', pseudoRandomBytes(SIZE, 1));
    for (const p of [0, 1, 2, 3]) await disks[p]!.delete('m/new');
    const err = await port.get('new').catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'NotFound'), String(err)).toBe(true);
    const listed: string[] = [];
    for await (const entry of port.list()) if (entry.type === 'object') listed.push(entry.key);
    expect(listed).toEqual([]);

    // heal() leaves a write that may still be in flight alone, and removes its manifests and shards after the grace period
    expect(await heal(port, { orphanGraceMs: 60_000 })).toMatchObject({
      manifestsRepaired: 0,
      orphansRemoved: 0,
    });
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ manifestsRepaired: 2, orphansRemoved: 6 });
    for (const d of disks) expect(await d.head('m/new').catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  it('an overwrite whose manifest reached only m ports reads the old version, which heal() keeps', async () => {
    const { disks, port } = cluster();
    const old = pseudoRandomBytes(SIZE, 2);
    await port.put('over', old);
    const v1 = await Promise.all(disks.map((d) => manifestOf(d, 'over')));
    const v1Shards = await Promise.all(
      disks.map(async (d, i) => (await d.get(shardKey('over', v1[i]!.version, i))).bytes()),
    );
    await port.put('over', pseudoRandomBytes(SIZE, 3));
    // as if the overwrite crashed after its manifest reached ports 4 and 5 (before it removed the old shards)
    for (const [i, d] of disks.entries()) {
      await d.put(shardKey('over', v1[i]!.version, i), v1Shards[i]!);
      if (i < 4) await d.put('m/over', JSON.stringify(v1[i]));
    }
    expect(sameBytes(await corruptOrBytes(port, 'over'), old)).toBe(true);
    expect(await heal(port, { orphanGraceMs: 60_000 })).toMatchObject({
      manifestsRepaired: 0,
      orphansRemoved: 0,
    });
    expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ manifestsRepaired: 2, orphansRemoved: 6 });
    for (const d of disks) expect(await manifestOf(d, 'over')).toEqual(v1[0]);
    expect(sameBytes(await corruptOrBytes(port, 'over'), old)).toBe(true);
  });
});
