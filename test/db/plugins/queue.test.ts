/**
 * The queue plugin on the file port and on Ceph RGW: eight consumers on their own connections drain a
 * queue with no message lost or delivered twice (those that fail once come back exactly once more);
 * visibility timeouts, backoff and dead letters with an injected clock.
 */
import { expect, test } from 'vitest';
import { type Claimed, Database, queue } from '../../../src/db/index.js';
import { onEachBackend } from './backends.js';
import { portOf } from './fixtures/port-spec.js';
import { cephShared, fileShared } from './processes.js';

onEachBackend('queue', { file: fileShared, ceph: cephShared }, (env) => {
  test('8 concurrent consumers: every message delivered once, those failing once delivered once more', async () => {
    const { port, spec } = await env.ports.make();
    const producer = queue<{ n: number }>({ name: 'jobs' });
    const db = await new Database({ storage: port, plugins: [producer] }).connect();
    env.cleanup.push(() => db.disconnect());
    const COUNT = 120;
    const ids: string[] = [];
    for (let n = 0; n < COUNT; n++) ids.push(await producer.enqueue({ n }));

    const deliveries: { n: number; attempts: number }[] = [];
    const consumer = async () => {
      // its own port and connection, as another process would have
      const own = queue<{ n: number }>({ name: 'jobs', backoffMs: 0, visibilityTimeoutMs: 600_000 });
      const conn = await new Database({ storage: portOf(spec), plugins: [own] }).connect();
      try {
        for (;;) {
          const job = await own.claim();
          if (!job) return;
          deliveries.push({ n: job.payload.n, attempts: job.attempts });
          if (job.payload.n % 10 === 0 && job.attempts === 1)
            expect(await own.fail(job, 'first try fails')).toBe('retry');
          else expect(await own.ack(job)).toBe(true);
        }
      } finally {
        await conn.disconnect();
      }
    };
    await Promise.all(Array.from({ length: 8 }, consumer));
    // a consumer may stop while a failed message waits for its retry: drain what is left
    for (let job = await producer.claim(); job; job = await producer.claim()) {
      deliveries.push({ n: job.payload.n, attempts: job.attempts });
      await producer.ack(job);
    }
    const times = new Map<number, number[]>();
    for (const d of deliveries) times.set(d.n, [...(times.get(d.n) ?? []), d.attempts]);
    expect(times.size).toBe(COUNT);
    for (const [n, attempts] of times) expect(attempts.sort()).toEqual(n % 10 === 0 ? [1, 2] : [1]);
    const left: string[] = [];
    for await (const entry of port.list({ prefix: 'plugin=queue/jobs/' })) left.push(entry.type);
    expect(left).toEqual([]);
  }, 300_000);

  test('visibility timeout, backoff and dead letters', async () => {
    const { port } = await env.ports.make();
    let clock = 1_000_000;
    const options = {
      name: 'mail',
      visibilityTimeoutMs: 1000,
      maxAttempts: 3,
      backoffMs: 500,
      now: () => clock,
    };
    const a = queue<string>(options);
    const b = queue<string>(options);
    const db = await new Database({ storage: port, plugins: [a, b] }).connect();
    env.cleanup.push(() => db.disconnect());
    await a.enqueue('hello');
    await a.enqueue('later', { delayMs: 5000 });

    const first = (await a.claim()) as Claimed<string>;
    expect(first).toMatchObject({ payload: 'hello', attempts: 1 });
    expect(await b.claim()).toBeUndefined(); // invisible while claimed; 'later' is not due
    clock += 1001; // the claim expires
    const second = (await b.claim()) as Claimed<string>;
    expect(second).toMatchObject({ payload: 'hello', attempts: 2 });
    expect(await a.ack(first)).toBe(false); // the first consumer lost it
    expect(await a.fail(first)).toBe('lost');
    expect(await a.extend(first, 1000)).toBeUndefined();

    const kept = (await b.extend(second, 5000))!;
    clock += 2000;
    expect(await a.claim()).toBeUndefined(); // extended
    expect(await b.fail(kept, new Error('smtp down'))).toBe('retry'); // visible again after 500 · 2
    clock += 999;
    expect(await a.claim()).toBeUndefined();
    clock += 1;
    const third = (await a.claim()) as Claimed<string>;
    expect(third).toMatchObject({ payload: 'hello', attempts: 3 });
    expect(await a.fail(third, new Error('smtp still down'))).toBe('dead');

    const letters = [];
    for await (const letter of a.deadLetters()) letters.push(letter);
    expect(letters).toEqual([
      {
        id: third.id,
        payload: 'hello',
        attempts: 3,
        lastError: 'smtp still down',
        enqueuedAt: expect.any(String),
      },
    ]);
    clock += 5000;
    const later = (await b.claim())!;
    expect(later.payload).toBe('later');
    expect(await b.ack(later)).toBe(true);
    expect(await a.claim()).toBeUndefined();
  }, 120_000);
});
