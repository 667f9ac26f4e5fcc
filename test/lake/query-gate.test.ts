import { afterEach, describe, expect, it } from 'vitest';
import { createLakeServer, type ListeningLakeServer, queryGate } from '../../src/lake/http/index.js';

/**
 * Queries past the gate's bound wait their turn, and past its queue are answered 429 at once, through real
 * HTTP: the handler holds each query until the test lets it go, so who runs, who waits and who is refused
 * does not depend on timing.
 */
let server: ListeningLakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('queryGate', () => {
  it('runs maxConcurrent queries, queues maxQueued more in order, refuses the rest with 429', async () => {
    const started: string[] = [];
    const holds = new Map<string, () => void>();
    const gate = queryGate({ maxConcurrent: 2, maxQueued: 1 });
    server = await createLakeServer(
      gate([
        {
          path: '/q',
          handler: async (req, res) => {
            const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
            started.push(id);
            await new Promise<void>((done) => holds.set(id, done));
            res.end(`answer ${id}`);
          },
        },
      ]),
    ).listen(0);
    const ask = (id: string) => fetch(`${server!.url}/q?id=${id}`);
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise((r) => setTimeout(r, 5));
    };

    const a = ask('a');
    const b = ask('b');
    await until(() => started.length === 2);
    const c = ask('c'); // waits: two run
    const refused = await ask('d'); // the queue of one is full
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toMatch(/too many outstanding requests/);
    expect(started).toEqual(['a', 'b']);

    holds.get('a')!();
    expect(await (await a).text()).toBe('answer a');
    await until(() => started.length === 3);
    expect(started).toEqual(['a', 'b', 'c']);
    holds.get('b')!();
    holds.get('c')!();
    expect(await (await b).text()).toBe('answer b');
    expect(await (await c).text()).toBe('answer c');

    // every slot came back: two more run at once again
    const e = ask('e');
    const f = ask('f');
    await until(() => started.length === 5);
    holds.get('e')!();
    holds.get('f')!();
    expect([(await e).status, (await f).status]).toEqual([200, 200]);
  });

  it('a query that fails still gives its slot back', async () => {
    const gate = queryGate({ maxConcurrent: 1, maxQueued: 0 });
    server = await createLakeServer(
      gate([
        {
          path: '/q',
          handler: () => {
            throw new Error('boom');
          },
        },
      ]),
    ).listen(0);
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/q`)).status).toBe(500);
  });
});
