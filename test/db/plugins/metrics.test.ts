/**
 * The metrics plugin on the file port and on Ceph RGW: calls, errors by code and latency histograms per
 * resource and method, in numbers and in the Prometheus text format (parsed back line by line).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../../src/db/index.js';
import { metrics } from '../../../src/db/plugins/metrics.js';
import { exposition } from '../../../src/db/plugins/prometheus.js';
import { cephFixture, fileFixture, type PortFixture } from '../ports.js';

/** Prometheus text as `name{labels}` → value, checking every line is a comment or a sample. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    samples.set(match![1]!, Number(match![2]!.replace('+Inf', 'Infinity')));
  }
  return samples;
}

test('the text format escapes label values and help text', () => {
  const text = exposition([
    {
      name: 'x_total',
      help: 'a \\ b\nc',
      type: 'counter',
      samples: [{ name: 'x_total', labels: { v: 'q"b\\s\nn' }, value: Number.POSITIVE_INFINITY }],
    },
  ]);
  expect(text).toBe(
    '# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\nx_total{v="q\\"b\\\\s\\nn"} +Inf\n',
  );
  expect(parseExposition(text).get('x_total{v="q\\"b\\\\s\\nn"}')).toBe(Number.POSITIVE_INFINITY);
});

describe.each([
  ['file', fileFixture],
  ['ceph-rgw', cephFixture],
] as const)('metrics on %s', (_name, fixture) => {
  let ports: PortFixture;
  beforeAll(async () => {
    ports = await fixture();
  });
  afterAll(() => ports.stop());

  test('counts calls and errors by code, and times them into a histogram', async () => {
    const stats = metrics({ buckets: [0.05, 60] });
    const port = await ports.make();
    const db = await new Database({ storage: port, plugins: [stats] }).connect();
    try {
      const users = await db.createResource({ name: 'users', attributes: { name: 'string|required' } });
      const ada = await users.insert({ name: 'Ada' });
      await users.insert({ name: 'Grace' });
      // a get held for 80 ms can only land above the 50 ms bound
      users.addHook('beforeGet', async () => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        return undefined;
      });
      await users.get(ada.id);
      expect(await users.get('missing').catch((e) => e.code)).toBe('NotFound');
      expect(await users.count()).toBe(2);

      const byMethod = Object.fromEntries(stats.snapshot().map((m) => [`${m.resource}.${m.method}`, m]));
      expect(byMethod['users.insert']).toMatchObject({ calls: 2, errors: {} });
      expect(byMethod['users.get']).toMatchObject({ calls: 2, errors: { NotFound: 1 }, buckets: [0, 2] });
      expect(byMethod['users.get']!.seconds).toBeGreaterThanOrEqual(0.16);
      expect(byMethod['users.count']).toMatchObject({ calls: 1, errors: {} });

      const samples = parseExposition(stats.prometheus());
      const at = (name: string, labels: string) => samples.get(`bucketkit_db_${name}{${labels}}`);
      expect(at('operations_total', 'resource="users",method="insert"')).toBe(2);
      expect(at('errors_total', 'resource="users",method="get",code="NotFound"')).toBe(1);
      expect(at('operation_duration_seconds_bucket', 'resource="users",method="get",le="0.05"')).toBe(0);
      expect(at('operation_duration_seconds_bucket', 'resource="users",method="get",le="60"')).toBe(2);
      expect(at('operation_duration_seconds_bucket', 'resource="users",method="get",le="+Inf"')).toBe(2);
      expect(at('operation_duration_seconds_count', 'resource="users",method="get"')).toBe(2);
      expect(at('operation_duration_seconds_sum', 'resource="users",method="get"')).toBe(
        byMethod['users.get']!.seconds,
      );

      stats.reset();
      expect(stats.snapshot()).toEqual([]);
    } finally {
      await db.disconnect();
      await port.close?.();
    }
  });

  test('stops counting at teardown', async () => {
    const stats = metrics();
    const port = await ports.make();
    const db = await new Database({ storage: port, plugins: [stats] }).connect();
    try {
      const odd = await db.createResource({ name: 'odd_names', attributes: { x: 'string' } });
      await odd.insert({ x: '1' });
      expect(stats.prometheus()).toContain(
        'bucketkit_db_operations_total{resource="odd_names",method="insert"} 1\n',
      );
      await stats.teardown?.();
      await odd.insert({ x: '2' });
      expect(stats.snapshot()[0]!.calls).toBe(1);
    } finally {
      await db.disconnect();
      await port.close?.();
    }
  });
});
