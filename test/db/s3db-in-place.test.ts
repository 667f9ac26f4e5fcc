/**
 * Issue 21, item 4: a bucket written by the real s3db.js 21.6.2 migrated into bucketkit's format in
 * place (same port, same key prefix), on the file port and on Ceph RGW: every record equal to what
 * s3db.js returned, partitions served, a second run a no-op, and a run that crashes after any number of
 * writes (or is aborted) completed exactly by the next one.
 */
import { expect, it } from 'vitest';
import { Database, importS3db, migrateS3dbInPlace, type S3dbResourceInfo } from '../../src/db/index.js';
import type { StoragePort } from '../../src/storage/index.js';
import { faulty, type PortOp } from '../support/faulty.js';
import { onEachBackend } from './plugins/backends.js';
import { expectedRecord, PASSPHRASE, RESOURCES, type Row, writeWithS3db } from './s3db-fixture.js';
import { cephSource, fileSource, type S3dbSource } from './s3db-sources.js';

/** A pristine bucket s3db.js wrote, with its resources' infos, and fresh copies of it to migrate. */
interface InPlaceSource extends S3dbSource {
  infos: Record<string, S3dbResourceInfo>;
  /** How many crash points each crash test tries. */
  crashPoints: number;
}

async function infosOf(port: StoragePort): Promise<Record<string, S3dbResourceInfo>> {
  const bucket = await importS3db(port, { passphrase: PASSPHRASE });
  return Object.fromEntries(bucket.resources().map((name) => [name, bucket.resource(name).info]));
}

async function inPlace(started: Promise<S3dbSource>, crashPoints: number): Promise<InPlaceSource> {
  const source = await started;
  try {
    return { ...source, infos: await infosOf(source.pristine), crashPoints };
  } catch (err) {
    await source.stop();
    throw err;
  }
}

const writeAll = (url: string) => writeWithS3db(url);
const sources = {
  file: () => inPlace(fileSource(writeAll), 7),
  ceph: () => inPlace(cephSource(writeAll), 3),
};

const WRITES = new Set<PortOp>(['put', 'delete', 'deleteMany', 'copy']);

/** A port that dies after `writes` writes: that write and every call after it fail. */
function dyingAfter(port: StoragePort, writes: number): StoragePort {
  const wrapper = faulty(port);
  let done = 0;
  let dead = false;
  wrapper.before = (op) => {
    if (!dead && WRITES.has(op) && ++done > writes) dead = true;
    if (dead) throw new Error('the process died');
  };
  return wrapper;
}

async function keysUnder(port: StoragePort, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of port.list({ prefix })) if (entry.type === 'object') keys.push(entry.key);
  return keys;
}

/** The bucket is a bucketkit database whose records equal what s3db.js returned; nothing of the migration is left. */
async function expectMigrated(port: StoragePort, source: InPlaceSource, changed: Row = {}): Promise<void> {
  expect(await keysUnder(port, 's3db.json')).toEqual([]);
  expect(await keysUnder(port, 'bucketkit-migration.json')).toEqual([]);
  expect(await keysUnder(port, '.bucketkit-migration/')).toEqual([]);
  const db = await new Database({ storage: port, passphrase: PASSPHRASE }).connect();
  try {
    expect(db.resources().sort()).toEqual(Object.keys(source.infos).sort());
    for (const { definition, records } of RESOURCES) {
      const name = String(definition.name);
      const resource = db.resource(name);
      expect(await resource.count()).toBe(records.length);
      for (const { id } of records) {
        const key = `${name}/${id}`;
        const expected =
          (changed[key] as Row | undefined) ??
          expectedRecord(source.theirs.get(key)!, source.infos[name]!, key);
        expect({ key, record: await resource.get(String(id)) }).toEqual({ key, record: expected });
      }
      // the partition entries are exactly bucketkit's (s3db.js's references are gone)
      expect(await resource.rebuildPartitions()).toMatchObject({ added: 0, removed: 0 });
    }
    expect(db.resource('people').describe().partitions).toEqual({ byCountry: ['country'] });
  } finally {
    await db.disconnect();
  }
}

onEachBackend('migrateS3dbInPlace', sources, (env) => {
  it('migrates every resource in place, equal to what s3db.js returned; a second run does nothing', async () => {
    const port = await env.ports.make();
    const phases = new Set<string>();
    const report = await migrateS3dbInPlace(port, {
      passphrase: PASSPHRASE,
      onProgress: ({ phase }) => void phases.add(phase),
    });
    expect(report.state).toBe('migrated');
    expect(report.resources.people).toMatchObject({ staged: 4, swapped: 4 });
    expect(report.resources.notes).toMatchObject({ staged: 2, swapped: 2 });
    expect([...phases]).toEqual(['stage', 'swap', 'finish']);
    await expectMigrated(port, env.ports);
    const db = await new Database({ storage: port, passphrase: PASSPHRASE }).connect();
    const us = await db.resource('people').query({ country: 'US' });
    expect(us.map((r) => r.id)).toEqual(['ada']);
    await db.disconnect();
    expect(await migrateS3dbInPlace(port, { passphrase: PASSPHRASE })).toEqual({
      state: 'already-migrated',
      resources: {},
    });
    await expectMigrated(port, env.ports);
    await expect(importS3db(port)).rejects.toMatchObject({ code: 'NotFound' });
  }, 600_000);

  it('a run that dies after any number of writes is completed exactly by the next one', async () => {
    const counted = await env.ports.make();
    let total = 0;
    const counting = faulty(counted);
    counting.before = (op) => void (WRITES.has(op) && total++);
    await migrateS3dbInPlace(counting, { passphrase: PASSPHRASE });
    const points = env.ports.crashPoints;
    for (let i = 0; i < points; i++) {
      const writes = Math.round((i * (total - 1)) / (points - 1));
      const port = await env.ports.make();
      await expect(
        migrateS3dbInPlace(dyingAfter(port, writes), { passphrase: PASSPHRASE }),
        `dying after ${writes} of ${total} writes`,
      ).rejects.toThrow();
      const marked = (await keysUnder(port, 'bucketkit-migration.json')).length > 0;
      const catalog = (await keysUnder(port, 'bucketkit-db.json')).length > 0;
      if (marked && !catalog) {
        // half-way: bucketkit will not start a new database over it
        await expect(new Database({ storage: port }).connect()).rejects.toMatchObject({
          code: 'Unavailable',
        });
      }
      expect((await migrateS3dbInPlace(port, { passphrase: PASSPHRASE })).state).toBe('migrated');
      await expectMigrated(port, env.ports);
    }
  }, 1_200_000);

  it('an aborted run stops with Aborted, the half-way bucket is refused by importS3db, and a re-run completes it', async () => {
    const port = await env.ports.make();
    const controller = new AbortController();
    await expect(
      migrateS3dbInPlace(port, {
        passphrase: PASSPHRASE,
        signal: controller.signal,
        concurrency: 1,
        onProgress: ({ phase, done }) => {
          if (phase === 'swap' && done === 3) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'Aborted' });
    await expect(importS3db(port, { passphrase: PASSPHRASE })).rejects.toMatchObject({ code: 'Unavailable' });
    const report = await migrateS3dbInPlace(port, { passphrase: PASSPHRASE });
    expect(Object.values(report.resources).reduce((n, r) => n + r.swapped, 0)).toBe(10 - 3);
    await expectMigrated(port, env.ports);
  }, 600_000);

  it('a record s3db.js changed after it was staged is staged again before it is swapped', async () => {
    const port = await env.ports.make();
    // stop right after the marker says "swap": every record is staged, none swapped
    const wrapper = faulty(port);
    let markerWrites = 0;
    let dead = false;
    wrapper.before = (op, key) => {
      if (dead) throw new Error('the process died');
      if (op === 'put' && key === 'bucketkit-migration.json' && ++markerWrites === 2) dead = true;
    };
    await expect(migrateS3dbInPlace(wrapper, { passphrase: PASSPHRASE })).rejects.toThrow('died');
    // s3db.js "writes" bob meanwhile: bob's object now holds ada's fields (and country US)
    await port.copy('resource=people/data/id=ada', 'resource=people/data/id=bob');
    await migrateS3dbInPlace(port, { passphrase: PASSPHRASE });
    const ada = expectedRecord(env.ports.theirs.get('people/ada')!, env.ports.infos.people!, 'people/ada');
    await expectMigrated(port, env.ports, { 'people/bob': { ...ada, id: 'bob' } });
    const db = await new Database({ storage: port, passphrase: PASSPHRASE }).connect();
    const us = await db.resource('people').query({ country: 'US' });
    expect(us.map((r) => r.id).sort()).toEqual(['ada', 'bob']);
    await db.disconnect();
  }, 600_000);
  it('a record bucketkit refuses stops the run before anything changes in place; without it, a re-run completes', async () => {
    const port = await env.ports.make();
    // an id bucketkit does not take ("%"), holding a copy of ada's s3db.js object
    await port.copy('resource=people/data/id=ada', 'resource=people/data/id=50%off');
    const before = await keysUnder(port, 'resource=');
    const refused = await migrateS3dbInPlace(port, { passphrase: PASSPHRASE }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'InvalidArgument', details: { resource: 'people' } });
    expect((refused as Error).message).toContain('50%off');
    expect(await keysUnder(port, 'resource=')).toEqual(before);
    // s3db.js's records still read as before (on Ceph RGW too, whose metadata names turn s3db.js's `_v` into `-v`)
    const bucket = await importS3db(port, { passphrase: PASSPHRASE });
    for (const { definition, records } of RESOURCES) {
      for (const { id } of records) {
        const key = `${definition.name}/${id}`;
        const info = env.ports.infos[String(definition.name)]!;
        const ours = await bucket.resource(String(definition.name)).get(String(id));
        expect({ key, ours }).toEqual({ key, ours: expectedRecord(env.ports.theirs.get(key)!, info, key) });
      }
    }
    await port.delete('resource=people/data/id=50%off');
    expect((await migrateS3dbInPlace(port, { passphrase: PASSPHRASE })).state).toBe('migrated');
    await expectMigrated(port, env.ports);
  }, 600_000);
});
