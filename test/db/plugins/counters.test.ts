/**
 * The counters plugin on the file port and on Ceph RGW: add, sub and set as transactions, folded into
 * the record by consolidation; exact with four processes writing and consolidating at once; a
 * consolidation that stopped after updating the state applies nothing twice.
 */
import { expect, test } from 'vitest';
import { counters, Database } from '../../../src/db/index.js';
import { onEachBackend } from './backends.js';
import { cephShared, fileShared, runWorker } from './processes.js';

const ATTRIBUTES = { owner: 'string', balance: 'number', visits: 'integer' } as const;
const FIELDS = { accounts: ['balance', 'visits'] };

onEachBackend('counters', { file: fileShared, ceph: cephShared }, (env) => {
  test('add, sub and set are transactions until consolidated into the record', async () => {
    const { port } = await env.ports.make();
    const counts = counters({ fields: FIELDS });
    const db = await new Database({ storage: port, plugins: [counts] }).connect();
    env.cleanup.push(() => db.disconnect());
    const accounts = await db.createResource({ name: 'accounts', attributes: ATTRIBUTES });
    await accounts.insert({ id: 'a', owner: 'Ada', balance: 100 });
    await counts.add('accounts', 'a', 'balance', 25.5);
    await counts.sub('accounts', 'a', 'balance', 5.5);
    await counts.add('accounts', 'a', 'visits', 1);
    expect((await accounts.get('a')).balance).toBe(100); // not yet folded in
    expect(await counts.values('accounts', 'a')).toEqual({ balance: 120, visits: 1 });
    expect(await counts.consolidate('accounts', 'a')).toEqual({ balance: 120, visits: 1 });
    expect(await accounts.get('a')).toEqual({ id: 'a', owner: 'Ada', balance: 120, visits: 1 });

    await counts.add('accounts', 'a', 'balance', 1);
    await counts.set('accounts', 'a', 'balance', 10);
    await counts.add('accounts', 'a', 'balance', 2);
    expect(await counts.consolidate('accounts', 'a')).toEqual({ balance: 12, visits: 1 });
    expect(await counts.consolidate('accounts', 'a')).toEqual({ balance: 12, visits: 1 });
    const left: string[] = [];
    for await (const entry of port.list({ prefix: 'plugin=counters/accounts/a/tx/' })) left.push(entry.type);
    expect(left).toEqual([]);

    const wrong = await counts.add('accounts', 'a', 'owner', 1).catch((e) => e.code);
    expect(wrong).toBe('InvalidArgument');
  }, 120_000);

  test('a consolidation that stopped before the record was written is finished without applying twice', async () => {
    const { port } = await env.ports.make();
    const counts = counters({ fields: FIELDS });
    const db = await new Database({ storage: port, plugins: [counts] }).connect();
    env.cleanup.push(() => db.disconnect());
    let failing = true;
    const accounts = await db.createResource({
      name: 'accounts',
      attributes: ATTRIBUTES,
      hooks: {
        beforeUpdate: (record) => {
          if (failing) throw new Error('the process died here');
          return record;
        },
      },
    });
    await accounts.insert({ id: 'a', balance: 0 });
    await counts.add('accounts', 'a', 'balance', 7);
    await expect(counts.consolidate('accounts', 'a')).rejects.toThrow('the process died here');
    failing = false;
    await counts.add('accounts', 'a', 'balance', 3);
    expect(await counts.values('accounts', 'a')).toEqual({ balance: 10 });
    expect(await counts.consolidate('accounts', 'a')).toEqual({ balance: 10 });
    expect((await accounts.get('a')).balance).toBe(10);
  }, 120_000);

  test('four processes adding and consolidating at once: the record is exact', async () => {
    const { port, spec } = await env.ports.make();
    const counts = counters({ fields: FIELDS });
    const db = await new Database({ storage: port, plugins: [counts] }).connect();
    env.cleanup.push(() => db.disconnect());
    const accounts = await db.createResource({ name: 'accounts', attributes: ATTRIBUTES });
    await accounts.insert({ id: 'acct', balance: 1000, visits: 0 });
    const OPS = 40;
    const sums = await Promise.all(
      [0, 1, 2, 3].map((w) => runWorker('counter-worker.ts', [JSON.stringify(spec), String(w), String(OPS)])),
    );
    const added = sums.flat().reduce((a: number, b) => a + (b as number), 0);
    expect(await counts.consolidate('accounts', 'acct')).toEqual({ balance: 1000 + added, visits: 4 * OPS });
    expect(await accounts.get('acct')).toMatchObject({ balance: 1000 + added, visits: 4 * OPS });
  }, 300_000);
});
