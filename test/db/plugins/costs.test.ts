/**
 * The costs plugin on the file port and on Ceph RGW: every storage request the database makes is counted
 * under the resource whose key it touches (or `(database)` for the catalog), and the resources add up to
 * what an instrumented port under the whole database counts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../../src/db/index.js';
import { costs, DATABASE_SCOPE } from '../../../src/db/plugins/costs.js';
import { AWS_S3_STANDARD, instrumented } from '../../../src/storage/index.js';
import { cephFixture, fileFixture, type PortFixture } from '../ports.js';

describe.each([
  ['file', fileFixture],
  ['ceph-rgw', cephFixture],
] as const)('costs on %s', (_name, fixture) => {
  let ports: PortFixture;
  beforeAll(async () => {
    ports = await fixture();
  });
  afterAll(() => ports.stop());

  test('requests, bytes and the bill per resource and operation, adding up to the whole', async () => {
    const whole = instrumented(await ports.make());
    const bill = costs();
    const db = await new Database({ storage: bill.meter(whole), plugins: [bill] }).connect();
    try {
      const users = await db.createResource({
        name: 'users',
        attributes: { name: 'string|required', country: 'string' },
        partitions: { byCountry: ['country'] },
      });
      const orders = await db.createResource({ name: 'orders', attributes: { total: 'number' } });
      const ada = await users.insert({ name: 'Ada', country: 'UK' });
      await users.insert({ name: 'Grace', country: 'US' });
      await orders.insert({ total: 5 });
      await users.get(ada.id);
      expect((await users.query({ country: 'US' })).map((u) => u.name)).toEqual(['Grace']);

      const report = bill.report();
      expect(Object.keys(report.resources)).toEqual([DATABASE_SCOPE, 'orders', 'users']);
      const { users: u, orders: o } = report.resources as Record<string, (typeof report.resources)[string]>;
      // two records and their partition entries are at least four puts; one order is one
      expect(u!.operations.put!.calls).toBeGreaterThanOrEqual(4);
      expect(o!.operations.put!.calls).toBe(u!.operations.put!.calls / 4);
      expect(u!.operations.list?.calls).toBeGreaterThanOrEqual(1); // the partition query lists
      expect(o!.operations.get).toBeUndefined();
      expect(report.resources[DATABASE_SCOPE]!.operations.put?.calls).toBeGreaterThanOrEqual(2); // the catalog

      const all = whole.usage();
      expect(report.requests).toBe(all.requests);
      expect(Object.values(report.resources).reduce((n, r) => n + r.bytesIn, 0)).toBe(all.bytesIn);
      expect(report.total).toBeCloseTo(all.cost.total, 12);
      const classA =
        (u!.operations.put?.requests ?? 0) +
        (u!.operations.list?.requests ?? 0) +
        (u!.operations.copy?.requests ?? 0);
      const classB = (u!.operations.get?.requests ?? 0) + (u!.operations.head?.requests ?? 0);
      const transfer = (u!.bytesOut / 2 ** 30) * AWS_S3_STANDARD.transferOutPerGiB;
      expect(u!.cost.total).toBeCloseTo(
        (classA * AWS_S3_STANDARD.classAPer1000 + classB * AWS_S3_STANDARD.classBPer1000) / 1000 + transfer,
        12,
      );

      bill.reset();
      expect(bill.report().requests).toBe(0);
    } finally {
      await db.disconnect();
      await whole.close?.();
    }
  });

  test('refuses a database that does not use its metered port', async () => {
    const port = await ports.make();
    const err = await new Database({ storage: port, plugins: [costs()] }).connect().catch((e) => e);
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/meter\(port\)/);
    await port.close?.();
  });
});
