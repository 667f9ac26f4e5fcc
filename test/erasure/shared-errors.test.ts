/**
 * Issue #14: when every port of an erasure port fails alike — the bucket missing on each server,
 * credentials refused by each, every server down — each call throws that code (a BucketkitError whose
 * message says what to fix), not a generic `Backend`. Real servers: our gateway on loopback (missing
 * bucket, wrong secret) and closed loopback ports (refused connections).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { BucketkitError, type ErrorCode } from '../../src/errors.js';
import { createGateway, type ListeningGateway, staticBuckets } from '../../src/gateway/index.js';
import { connect, memoryStorage, type StoragePort } from '../../src/storage/index.js';
import { closedPort } from '../support/closed-port.js';

async function failure(call: () => Promise<unknown>): Promise<BucketkitError> {
  try {
    await call();
  } catch (err) {
    if (!BucketkitError.is(err)) throw new Error(`a raw error escaped: ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error('the call succeeded; it should have failed');
}

/** Every call of an erasure port that reaches its ports, and heal(). */
const CALLS: Array<[string, (port: ReturnType<typeof erasure>) => Promise<unknown>]> = [
  ['put()', (p) => p.put('a.txt', 'hello')],
  ['put() of a stream', (p) => p.put('s.bin', new Blob([new Uint8Array(100_000)]).stream())],
  ['get()', (p) => p.get('a.txt')],
  ['get() of a range', (p) => p.get('a.txt', { range: { start: 0, end: 1 } })],
  ['head()', (p) => p.head('a.txt')],
  ['delete()', (p) => p.delete('a.txt')],
  ['copy()', (p) => p.copy('a.txt', 'b.txt')],
  [
    'list()',
    async (p) => {
      for await (const _ of p.list()) {
      }
    },
  ],
  ['heal()', (p) => heal(p)],
];

describe('erasure: every port failing alike surfaces the shared code', () => {
  let gateway: ListeningGateway;
  const refused: number[] = [];
  beforeAll(async () => {
    gateway = await createGateway({
      buckets: staticBuckets({ present: memoryStorage() }),
      credentials: [{ accessKeyId: 'GATEWAYKEY', secretAccessKey: 'gateway-secret' }],
    }).listen(0);
    for (let i = 0; i < 3; i++) refused.push(await closedPort());
  });
  afterAll(async () => {
    await gateway?.close();
  });
  const host = () => gateway.endpoint.replace(/^http:\/\//, '');

  const scenarios: Array<{ name: string; code: ErrorCode; advice: RegExp; urls: () => string[] }> = [
    {
      name: 'the bucket is missing on every server',
      code: 'BucketNotFound',
      advice: /Create the bucket first or fix the bucket name in the connection string$/,
      urls: () =>
        ['gone-0', 'gone-1', 'gone-2'].map((b) => `http://GATEWAYKEY:gateway-secret@${host()}/${b}`),
    },
    {
      name: 'every server refuses the credentials',
      code: 'AccessDenied',
      advice: /Check the access key, secret and the bucket policy$/,
      urls: () => [0, 1, 2].map(() => `http://GATEWAYKEY:wrong-secret@${host()}/present`),
    },
    {
      name: 'every server is down',
      code: 'Unavailable',
      advice: /check that it is running and that the host and port in the connection string are right$/,
      urls: () => refused.map((port) => `http://key:secret@127.0.0.1:${port}/present`),
    },
  ];

  for (const scenario of scenarios) {
    it(`${scenario.name}: every call throws ${scenario.code} saying what to do`, async () => {
      const ports: StoragePort[] = scenario.urls().map((url) => connect(url));
      const port = erasure(ports, { parity: 1, hedgeAfterMs: 20 });
      try {
        for (const [name, call] of CALLS) {
          const err = await failure(() => call(port));
          expect(err.code, `${name}: ${err.message}`).toBe(scenario.code);
          expect(err.message, name).toMatch(
            /^\w+: (all 3|[12] of 3) ports (\(the others did not answer\) )?failed /,
          );
          expect(err.message, name).toMatch(scenario.advice);
        }
      } finally {
        await Promise.all(ports.map((p) => p.close?.()));
      }
    }, 60_000);
  }

  it('ports failing differently still give Backend, retryable, naming how many answered', async () => {
    const urls = [
      `http://GATEWAYKEY:gateway-secret@${host()}/gone`,
      `http://GATEWAYKEY:wrong-secret@${host()}/present`,
      `http://key:secret@127.0.0.1:${refused[0]}/present`,
    ];
    const ports = urls.map((url) => connect(url));
    const port = erasure(ports, { parity: 1, hedgeAfterMs: 20 });
    try {
      const err = await failure(() => port.put('a.txt', 'hello'));
      expect(err.code).toBe('Backend');
      expect(err.details.retryable).toBe(true);
      expect(err.message).toMatch(/only 0 of 3 shard writes of "a.txt" succeeded; 2 are needed/);
    } finally {
      await Promise.all(ports.map((p) => p.close?.()));
    }
  }, 60_000);
});
