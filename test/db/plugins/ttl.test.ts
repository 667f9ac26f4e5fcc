/**
 * The ttl plugin on the file port and on Ceph RGW: an expiry field or a time-to-live after the last
 * write; a sweep deletes what expired (paranoid resources: to the trash) and lists only the cohorts that
 * are due (LIST requests counted); updates move a record's expiry, deletes drop its entry.
 */
import { expect, test } from 'vitest';
import { Database, ttl } from '../../../src/db/index.js';
import { instrumented } from '../../../src/storage/index.js';
import { cephFixture, fileFixture } from '../ports.js';
import { onEachBackend } from './backends.js';

const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const ATTRIBUTES = { name: 'string', expiresAt: 'datetime' } as const;
const at = (ms: number) => new Date(ms).toISOString();

onEachBackend('ttl', { file: fileFixture, ceph: cephFixture }, (env) => {
  test('a sweep deletes what expired, trashes it in a paranoid resource, and lists only what is due', async () => {
    const port = instrumented(await env.ports.make());
    env.cleanup.push(async () => port.close?.());
    let clock = T0;
    const expiry = ttl({
      resources: { invites: { field: 'expiresAt' }, sessions: { field: 'expiresAt' } },
      cohortMs: MINUTE,
      pageSize: 50,
      now: () => clock,
    });
    const db = await new Database({ storage: port, plugins: [expiry] }).connect();
    env.cleanup.push(() => db.disconnect());
    const invites = await db.createResource({ name: 'invites', attributes: ATTRIBUTES });
    const sessions = await db.createResource({ name: 'sessions', attributes: ATTRIBUTES, paranoid: true });
    // 30 invites due within 5 minutes, 200 not for a day; 5 sessions due, 1 not
    const soon = Array.from({ length: 30 }, (_, i) => ({
      id: `soon-${i}`,
      expiresAt: at(T0 + (i % 5) * MINUTE),
    }));
    const later = Array.from({ length: 200 }, (_, i) => ({
      id: `later-${i}`,
      expiresAt: at(T0 + 1440 * MINUTE),
    }));
    await invites.insertMany([...soon, ...later]);
    await sessions.insertMany([
      ...Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, expiresAt: at(T0) })),
      { id: 'kept', expiresAt: at(T0 + 1440 * MINUTE) },
    ]);
    await invites.insert({ id: 'forever', name: 'no expiry' });

    clock = T0 + 10 * MINUTE;
    port.reset();
    expect(await expiry.sweep()).toEqual({
      invites: { expired: 30, stale: 0 },
      sessions: { expired: 5, stale: 0 },
    });
    // one LIST per resource: 30 due entries and the first one not due fit in a page of 50 (a scan of
    // the 201 invites would take 5 pages)
    expect(port.usage().operations.list?.requests).toBe(2);
    expect(await invites.count()).toBe(201);
    expect(await invites.exists('soon-0')).toBe(false);
    expect(await invites.exists('later-0')).toBe(true);
    const trashed: string[] = [];
    for await (const id of sessions.deleted()) trashed.push(id);
    expect(trashed.sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(await sessions.exists('kept')).toBe(true);

    // nothing more is due: one LIST per resource reads one entry each
    port.reset();
    expect(await expiry.sweep()).toEqual({
      invites: { expired: 0, stale: 0 },
      sessions: { expired: 0, stale: 0 },
    });
    expect(port.usage().operations.get).toBeUndefined();
  }, 120_000);

  test('updates move the expiry, deletes drop the entry, a stale entry is moved to the cohort of the record', async () => {
    const port = await env.ports.make();
    env.cleanup.push(async () => port.close?.());
    let clock = T0;
    const expiry = ttl({ resources: { invites: { field: 'expiresAt' } }, now: () => clock });
    const db = await new Database({ storage: port, plugins: [expiry] }).connect();
    env.cleanup.push(() => db.disconnect());
    const invites = await db.createResource({ name: 'invites', attributes: ATTRIBUTES });
    await invites.insertMany([
      { id: 'extended', expiresAt: at(T0 + MINUTE) },
      { id: 'shortened', expiresAt: at(T0 + 1440 * MINUTE) },
      { id: 'deleted', expiresAt: at(T0 + MINUTE) },
      { id: 'cleared', expiresAt: at(T0 + MINUTE) },
    ]);
    // written by a process without the plugin: its entry is left in the old cohort
    const plain = await new Database({ storage: port }).connect();
    env.cleanup.push(() => plain.disconnect());
    await plain.resource('invites').update('extended', { expiresAt: at(T0 + 1440 * MINUTE) });
    await invites.update('shortened', { expiresAt: at(T0 + MINUTE) });
    await invites.delete('deleted');
    await invites.update('cleared', { expiresAt: null });
    expect(expiry.expiryOf('invites', { expiresAt: at(T0) })).toBe(T0);

    clock = T0 + 5 * MINUTE;
    expect(await expiry.sweep()).toEqual({ invites: { expired: 1, stale: 1 } });
    expect((await invites.list().next()).done).toBe(false);
    const left: string[] = [];
    for await (const id of invites.listIds()) left.push(id);
    expect(left.sort()).toEqual(['cleared', 'extended']);

    clock = T0 + 1441 * MINUTE;
    expect(await expiry.sweep()).toEqual({ invites: { expired: 1, stale: 0 } });
    expect(await invites.exists('cleared')).toBe(true);
  }, 120_000);

  test('a time-to-live counts from the last write', async () => {
    const port = await env.ports.make();
    env.cleanup.push(async () => port.close?.());
    let fixed: number | undefined;
    const TTL = 60_000;
    const expiry = ttl({
      resources: { sessions: { ttlMs: TTL } },
      cohortMs: 1,
      now: () => fixed ?? Date.now(),
    });
    const db = await new Database({ storage: port, plugins: [expiry] }).connect();
    env.cleanup.push(() => db.disconnect());
    const sessions = await db.createResource({ name: 'sessions', attributes: ATTRIBUTES, timestamps: true });
    await sessions.insert({ id: 'long', name: 'b' });
    const short = await sessions.insert({ id: 'short', name: 'a' });
    const written = Date.parse(short.updatedAt!);
    expect(expiry.expiryOf('sessions', short)).toBe(written + TTL);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sessions.update('long', { name: 'touched' }); // its time-to-live starts again

    fixed = written + TTL + 1; // past the first two writes' expiry, before the update's
    expect(await expiry.sweep()).toEqual({ sessions: { expired: 1, stale: 0 } });
    expect(await sessions.exists('short')).toBe(false);
    expect(await sessions.exists('long')).toBe(true);
  }, 120_000);
});
