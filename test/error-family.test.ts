/**
 * Issue 15, item 5: no raw SDK or Node error leaves a public entry. Every entry that touches storage is
 * driven against a missing bucket and a wrong secret (Ceph RGW, and our own gateway), a refused
 * connection (a closed loopback port) and missing local files, and must throw a `BucketkitError` with
 * the code a caller branches on and a message that says what to do.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets } from '../src/datasets/index.js';
import { Database } from '../src/db/index.js';
import { DeltaSpace, syncDirectory } from '../src/delta/index.js';
import { erasure } from '../src/erasure/index.js';
import { BucketkitError, type ErrorCode } from '../src/errors.js';
import { createGateway, type ListeningGateway, staticBuckets } from '../src/gateway/index.js';
import { connect, httpStorage, memoryStorage, type StoragePort } from '../src/storage/index.js';
import { closedPort } from './support/closed-port.js';
import { type S3Server, startCephRgw } from './support/servers.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', cli, ...args]).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

interface Scenario {
  name: string;
  url: () => string;
  code: ErrorCode;
  /** What the message must tell the user to do. */
  advice: RegExp;
}

const ADVICE = {
  BucketNotFound: /Create the bucket first or fix the bucket name in the connection string$/,
  AccessDenied: /Check the access key, secret and the bucket policy$/,
  Unavailable: /check that it is running and that the host and port in the connection string are right$/,
};

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded; it should have failed');
}

function expectFamily(err: unknown, codes: ErrorCode[], advice: RegExp): void {
  if (!BucketkitError.is(err)) throw new Error(`a raw error escaped: ${String(err)}`, { cause: err });
  expect(codes).toContain(err.code);
  if (err.code === codes[0]) expect(err.message).toMatch(advice);
  expect(err.message).not.toMatch(/UnknownError|\.\.|undefined/);
}

/** Every public entry that reaches storage through a port (connect(), Database, datasets, delta, erasure). */
const ENTRIES: Array<[string, (port: StoragePort) => Promise<unknown>]> = [
  ['capabilities()', (p) => p.capabilities()],
  ["put(ifNoneMatch: '*')", (p) => p.put('a.txt', 'x', { ifNoneMatch: '*' })],
  ['put()', (p) => p.put('a.txt', 'x')],
  ['put() of a stream', (p) => p.put('s.bin', new Blob([new Uint8Array(100)]).stream())],
  ['get()', (p) => p.get('a.txt')],
  ['get() of a range', (p) => p.get('a.txt', { range: { start: 0, end: 0 } })],
  [
    'list()',
    async (p) => {
      for await (const _ of p.list()) {
      }
    },
  ],
  ['delete()', (p) => p.delete('a.txt')],
  ['deleteMany()', (p) => p.deleteMany(['a.txt', 'b.txt'])],
  ['copy()', (p) => p.copy('a.txt', 'b.txt')],
  ['multipart.create()', (p) => p.multipart!.create('m.bin')],
  ['Database.connect()', (p) => new Database({ storage: p }).connect()],
  ['datasets().create()', (p) => datasets(p).create('frames')],
  ['datasets().list()', (p) => datasets(p).list()],
  ['DeltaSpace.put()', (p) => new DeltaSpace(p, { prefix: 'rel' }).put('app-1.zip', new Uint8Array(64))],
  ['DeltaSpace.get()', (p) => new DeltaSpace(p, { prefix: 'rel' }).get('app-1.zip')],
];

describe('one error family at every public entry', () => {
  let ceph: S3Server;
  let gateway: ListeningGateway;
  let refused: number;
  let dir: string;
  const host = () => ceph.endpoint.replace(/^http:\/\//, '');

  beforeAll(async () => {
    [ceph, refused, dir] = await Promise.all([
      startCephRgw('present'),
      closedPort(),
      mkdtemp(join(tmpdir(), 'bk-errors-')),
    ]);
    gateway = await createGateway({
      buckets: staticBuckets({ present: memoryStorage() }),
      credentials: [{ accessKeyId: 'GATEWAYKEY', secretAccessKey: 'gateway-secret' }],
    }).listen(0);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([ceph?.stop(), gateway?.close(), dir && rm(dir, { recursive: true, force: true })]);
  });

  const scenarios: Scenario[] = [
    {
      name: 'Ceph RGW, missing bucket (http://)',
      url: () => `http://${ceph.accessKeyId}:${ceph.secretAccessKey}@${host()}/no-such-bucket`,
      code: 'BucketNotFound',
      advice: ADVICE.BucketNotFound,
    },
    {
      name: 'Ceph RGW, missing bucket (s3://)',
      url: () =>
        `s3://${ceph.accessKeyId}:${ceph.secretAccessKey}@no-such-bucket/p?endpoint=${encodeURIComponent(ceph.endpoint)}`,
      code: 'BucketNotFound',
      advice: ADVICE.BucketNotFound,
    },
    {
      name: 'Ceph RGW, wrong secret',
      url: () => `http://${ceph.accessKeyId}:wrong-secret@${host()}/present`,
      code: 'AccessDenied',
      advice: ADVICE.AccessDenied,
    },
    {
      name: 'our gateway, missing bucket',
      url: () =>
        `http://GATEWAYKEY:gateway-secret@${gateway.endpoint.replace(/^http:\/\//, '')}/no-such-bucket`,
      code: 'BucketNotFound',
      advice: ADVICE.BucketNotFound,
    },
    {
      name: 'our gateway, wrong secret',
      url: () => `http://GATEWAYKEY:wrong-secret@${gateway.endpoint.replace(/^http:\/\//, '')}/present`,
      code: 'AccessDenied',
      advice: ADVICE.AccessDenied,
    },
    {
      name: 'a refused connection',
      url: () => `http://key:secret@127.0.0.1:${refused}/present`,
      code: 'Unavailable',
      advice: ADVICE.Unavailable,
    },
  ];

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      for (const [entry, call] of ENTRIES) {
        it(`${entry} throws ${scenario.code} saying what to do`, async () => {
          const port = connect(scenario.url());
          try {
            // a HEAD answer has no body: a missing bucket and a missing key look the same (404)
            const codes: ErrorCode[] =
              scenario.code === 'BucketNotFound' && /get\(\)|DeltaSpace.get/.test(entry)
                ? [scenario.code, 'NotFound']
                : [scenario.code];
            expectFamily(await failure(() => call(port)), codes, scenario.advice);
          } finally {
            await port.close?.();
          }
        }, 60_000);
      }

      it('erasure over three such ports throws a BucketkitError', async () => {
        const ports = [0, 1, 2].map(() => connect(scenario.url()));
        const port = erasure(ports, { parity: 1 });
        try {
          for (const call of [() => port.put('a.txt', 'x'), () => port.get('a.txt')]) {
            const err = await failure(call);
            if (!BucketkitError.is(err)) throw new Error(`a raw error escaped: ${String(err)}`);
          }
        } finally {
          await port.close?.();
        }
      }, 60_000);
    });
  }

  it('the http port (browser-safe) says it cannot reach a refused server', async () => {
    const port = httpStorage({ url: `http://127.0.0.1:${refused}/present` });
    const err = await failure(() => port.get('a.txt'));
    expectFamily(err, ['Unavailable'], /cannot reach the server \(ECONNREFUSED\); check that it is running/);
  });

  it('delta sync of a missing folder is NotFound naming the folder', async () => {
    const space = new DeltaSpace(memoryStorage(), { prefix: 'rel' });
    const missing = join(dir, 'no-such-folder');
    const err = await failure(() => syncDirectory(space, missing, { direction: 'upload' }));
    expect(BucketkitError.is(err, 'NotFound')).toBe(true);
    expect((err as Error).message).toBe(
      `NotFound: the folder "${missing}" does not exist; create it or fix the path`,
    );
  });

  describe('the CLI: one line on stderr, exit 1, never a stack', () => {
    const oneLine = (stderr: string) => stderr.trim().split('\n');
    for (const [name, code] of [
      ['Ceph RGW, missing bucket (http://)', 'BucketNotFound'],
      ['Ceph RGW, wrong secret', 'AccessDenied'],
      ['a refused connection', 'Unavailable'],
    ] as const) {
      it(`${name}: ls, caps, put --if-none-match, delta cp, datasets ls`, async () => {
        const url = scenarios.find((s) => s.name === name)!.url();
        const file = join(dir, 'in.zip');
        await writeFile(file, 'payload');
        for (const args of [
          ['ls', url],
          ['caps', url],
          ['put', url, 'k.txt', file, '--if-none-match'],
          ['delta', 'cp', file, `${url}/rel/app.zip`],
          ['datasets', 'ls', url],
        ]) {
          const result = await bucketkit(...args);
          expect(result.code, args.join(' ')).toBe(1);
          const lines = oneLine(result.stderr);
          expect(lines, args.join(' ')).toHaveLength(1);
          expect(lines[0]).toMatch(new RegExp(`^bucketkit: ${code}: `));
          expect(lines[0]).toMatch(ADVICE[code]);
        }
      }, 360_000);
    }
  });
});
