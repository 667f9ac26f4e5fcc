import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError, type StoragePort, s3Storage } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';

const MIB = 1024 * 1024;
const portFor = (server: S3Server, extra: Partial<Parameters<typeof s3Storage>[0]> = {}) =>
  s3Storage({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...extra,
  });

/** Counts requests that go through the port's SDK client. */
function sdkRequests(port: StoragePort): () => number {
  const client = (port as unknown as { client: S3Client }).client;
  let count = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      count++;
      return next(args);
    },
    { step: 'finalizeRequest' },
  );
  return () => count;
}

const outcome = async (run: () => Promise<unknown>) => {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return { code: err.code, details: err.details };
  }
};

describe('lean path on Ceph RGW: same answers and same errors as the SDK path', () => {
  let server: S3Server;
  let lean: StoragePort;
  let sdk: StoragePort;
  beforeAll(async () => {
    server = await startCephRgw();
    lean = portFor(server);
    sdk = portFor(server, { lean: false });
  }, 300_000);
  afterAll(async () => {
    await lean?.close?.();
    await sdk?.close?.();
    await server?.stop();
  });

  it('GET, HEAD, PUT and LIST never touch the SDK client on the lean path; they all do with lean: false', async () => {
    const viaLean = sdkRequests(lean);
    const viaSdk = sdkRequests(sdk);
    for (const port of [lean, sdk]) {
      await port.put('route/a', 'x', { metadata: { m: '1' }, contentType: 'text/plain' });
      await (await port.get('route/a')).text();
      await port.head('route/a');
      for await (const _ of port.list({ prefix: 'route/' })) {
      }
    }
    expect(viaLean()).toBe(0);
    expect(viaSdk()).toBe(4);
  });

  it('objects written by one path read back identically through the other (metadata, type, ETag, ranges)', async () => {
    const body = pseudoRandomBytes(100_000, 3);
    const a = await lean.put('same/lean', body, {
      metadata: { owner: 'ada', n: '7' },
      contentType: 'image/png',
    });
    const b = await sdk.put('same/sdk', body, {
      metadata: { owner: 'ada', n: '7' },
      contentType: 'image/png',
    });
    expect(a).toEqual(b);
    for (const key of ['same/lean', 'same/sdk']) {
      const [x, y] = [await lean.head(key), await sdk.head(key)];
      expect(x).toEqual(y);
      expect(x).toMatchObject({
        size: 100_000,
        etag: a.etag,
        contentType: 'image/png',
        metadata: { owner: 'ada', n: '7' },
      });
      const ranged = await lean.get(key, { range: { start: 99_990 } });
      expect(ranged.range).toEqual({ start: 99_990, end: 99_999 });
      expect(await ranged.bytes()).toEqual(body.subarray(99_990));
      expect(await (await lean.get(key)).bytes()).toEqual(body);
    }
    const listed = async (port: StoragePort) => {
      const out = [];
      for await (const e of port.list({ prefix: 'same/', delimiter: '/', pageSize: 1 })) out.push(e);
      return out;
    };
    expect(await listed(lean)).toEqual(await listed(sdk));
  });

  it('maps errors to the same codes and details as the SDK path', async () => {
    await sdk.put('err/exists', 'v1');
    const etag = (await sdk.head('err/exists')).etag;
    const cases: [string, (p: StoragePort) => Promise<unknown>][] = [
      ['get missing', (p) => p.get('err/missing')],
      ['head missing', (p) => p.head('err/missing')],
      ['range past the end', (p) => p.get('err/exists', { range: { start: 10 } })],
      ['get ifMatch stale', (p) => p.get('err/exists', { ifMatch: '0'.repeat(32) })],
      ['create-only over an existing key', (p) => p.put('err/exists', 'v2', { ifNoneMatch: '*' })],
      ['ifMatch stale', (p) => p.put('err/exists', 'v2', { ifMatch: '0'.repeat(32) })],
    ];
    for (const [what, run] of cases) {
      const [x, y] = [await outcome(() => run(lean)), await outcome(() => run(sdk))];
      expect({ what, lean: x }).toEqual({ what, lean: y });
      expect(x, what).not.toBe('ok');
    }
    expect(await outcome(() => lean.put('err/exists', 'v3', { ifMatch: etag }))).toBe('ok');
    const wrong = { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'nope' } };
    const missing = { ...server, bucket: 'no-such-bucket' };
    const others: [string, (lean: boolean) => StoragePort, (p: StoragePort) => Promise<unknown>][] = [
      ['wrong secret, put', (l) => portFor(server, { ...wrong, lean: l }), (p) => p.put('x', 'y')],
      ['wrong secret, head', (l) => portFor(server, { ...wrong, lean: l }), (p) => p.head('x')],
      ['missing bucket, put', (l) => portFor(missing, { lean: l }), (p) => p.put('x', 'y')],
      [
        'missing bucket, list',
        (l) => portFor(missing, { lean: l }),
        (p) => p.list()[Symbol.asyncIterator]().next(),
      ],
    ];
    for (const [what, make, run] of others) {
      const [p, q] = [make(true), make(false)];
      const [x, y] = [await outcome(() => run(p)), await outcome(() => run(q))];
      expect({ what, lean: x }).toEqual({ what, lean: y });
      await p.close?.();
      await q.close?.();
    }
  });
});

describe('lean path on s3rver: lazy bodies and aborts', () => {
  let server: S3Server;
  let port: StoragePort;
  beforeAll(async () => {
    server = await startS3rver();
    port = portFor(server, { listApi: 'v1' });
  });
  afterAll(async () => {
    await port?.close?.();
    await server?.stop();
  });

  it('aborting mid-body fails bytes() with Aborted; an aborted signal fails before any request', async () => {
    await port.put('big', pseudoRandomBytes(32 * MIB, 5));
    const controller = new AbortController();
    const got = await port.get('big', { signal: controller.signal });
    const reading = got.bytes();
    controller.abort();
    expect(BucketkitError.is(await reading.catch((e) => e), 'Aborted')).toBe(true);
    expect(
      BucketkitError.is(await port.head('big', { signal: controller.signal }).catch((e) => e), 'Aborted'),
    ).toBe(true);
    const listing = port.list({ signal: controller.signal })[Symbol.asyncIterator]().next();
    expect(BucketkitError.is(await listing.catch((e) => e), 'Aborted')).toBe(true);
  });

  it('a body read through the stream can be cancelled after its first chunk', async () => {
    const got = await port.get('big');
    expect(got.size).toBe(32 * MIB);
    const reader = got.body.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBeGreaterThan(0);
    expect(first.value?.byteLength).toBeLessThan(32 * MIB);
    await reader.cancel();
    expect(await (await port.get('big', { range: { start: 0, end: 0 } })).bytes()).toHaveLength(1);
  });
});

describe('lean path against a scripted HTTP server: retries and laziness', () => {
  let http: Server;
  let endpoint: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  beforeAll(async () => {
    http = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const scripted = () =>
    s3Storage({ bucket: 'b', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
  const slowDown = (res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'application/xml' });
    res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
  };

  it('retries 5xx/throttling like the SDK standard strategy: 3 attempts, then a retryable Backend error', async () => {
    let attempts = 0;
    handler = (req, res) => {
      attempts++;
      expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=a\//);
      if (attempts < 3) return slowDown(res);
      res.writeHead(200, { etag: '"abc"', 'content-length': '0' });
      res.end();
    };
    const port = scripted();
    expect((await port.put('k', 'v')).etag).toBe('abc');
    expect(attempts).toBe(3);
    attempts = 0;
    handler = (_req, res) => {
      attempts++;
      slowDown(res);
    };
    const err = await port.head('k').catch((e) => e);
    expect(attempts).toBe(3);
    expect(err).toMatchObject({ code: 'Backend', details: { status: 503, retryable: true } });
    await port.close?.();
  });

  it('does not retry 4xx answers, and a signal aborts the backoff wait', async () => {
    let attempts = 0;
    handler = (_req, res) => {
      attempts++;
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
    };
    const port = scripted();
    expect(BucketkitError.is(await port.put('k', 'v').catch((e) => e), 'AccessDenied')).toBe(true);
    expect(attempts).toBe(1);
    handler = (_req, res) => slowDown(res);
    const controller = new AbortController();
    const pending = port.get('k', { signal: controller.signal }).catch((e) => e);
    setTimeout(() => controller.abort(), 30);
    expect(BucketkitError.is(await pending, 'Aborted')).toBe(true);
    await port.close?.();
  });

  it('GET resolves once headers arrive, before the body is sent (the body is never buffered up front)', async () => {
    let finish: () => void = () => {};
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '10', etag: '"e"', 'last-modified': new Date(0).toUTCString() });
      res.write('hello');
      finish = () => res.end('world');
    };
    const port = scripted();
    const got = await port.get('k');
    expect(got.size).toBe(10);
    const reader = got.body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('hello');
    finish();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('world');
    await port.close?.();
  });

  it('a garbled listing is a typed Corrupt error', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<ListBucketResult><Contents><Key>a</Key></ListBucketResult>');
    };
    const port = scripted();
    const err = await port
      .list()
      [Symbol.asyncIterator]()
      .next()
      .catch((e) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    await port.close?.();
  });
});
