/**
 * httpStorage: anonymous, read-only reads of a bucket over fetch, against our gateway (allowAnonymous)
 * over a folder. What the s3 port wrote, the http port reads: bytes, ranges, metadata, listings past a
 * page, typed errors; every write is a typed Unsupported.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStorage, type StoragePort, s3Storage } from '../../src/index.js';
import { EMPTY_SHA256, escapeKey, LeanSigner } from '../../src/storage/s3/lean/sign.js';
import { WebSigner } from '../../src/storage/wire/sigv4-web.js';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';
import { codeOf } from '../browser/page-kit.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway, type TestGateway } from '../gateway/support.js';

let gw: TestGateway;
let writer: StoragePort;
let reader: StoragePort;
const big = pseudoRandomBytes(300_000, 5);

beforeAll(async () => {
  gw = await startGateway({ allowAnonymous: true });
  await sdkClient(gw.endpoint).send(new CreateBucketCommand({ Bucket: 'public' }));
  writer = s3Storage({
    bucket: 'public',
    endpoint: gw.endpoint,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  await writer.put('docs/big.bin', big, { metadata: { owner: 'ada' }, contentType: 'application/x-test' });
  await writer.put('docs/a b+ü?#.txt', 'odd key');
  await Promise.all(
    Array.from({ length: 1205 }, (_, i) => writer.put(`many/${String(i).padStart(4, '0')}`, `${i}`)),
  );
  reader = httpStorage({ url: `${gw.endpoint}/public` });
}, 120_000);

afterAll(async () => {
  await writer?.close?.();
  await gw?.stop();
});

describe('httpStorage (read-only, fetch only)', () => {
  it('reads bytes, ranges, metadata and ETags as the s3 port wrote them', async () => {
    const written = await writer.head('docs/big.bin');
    const got = await reader.get('docs/big.bin');
    expect(got.etag).toBe(written.etag);
    expect(got.size).toBe(big.byteLength);
    expect(got.metadata).toEqual({ owner: 'ada' });
    expect(got.contentType).toBe('application/x-test');
    expect(md5Hex(await got.bytes())).toBe(md5Hex(big));
    const ranged = await reader.get('docs/big.bin', { range: { start: 1000, end: 70_999 } });
    expect(ranged.size).toBe(big.byteLength);
    expect(await ranged.bytes()).toEqual(big.subarray(1000, 71_000));
    const streamed = await reader.get('docs/big.bin', { range: { start: 299_990 } });
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(big.subarray(299_990)));
    expect(await (await reader.get('docs/a b+ü?#.txt')).text()).toBe('odd key');
    const head = await reader.head('docs/big.bin');
    expect({ size: head.size, etag: head.etag, metadata: head.metadata }).toEqual({
      size: big.byteLength,
      etag: written.etag,
      metadata: { owner: 'ada' },
    });
  });

  it('lists in order past a 1,000-key page, with delimiters and startAfter', async () => {
    const keys: string[] = [];
    for await (const entry of reader.list({ prefix: 'many/' }))
      if (entry.type === 'object') keys.push(entry.key);
    expect(keys).toHaveLength(1205);
    expect(keys).toEqual([...keys].sort());
    const small = [];
    for await (const entry of reader.list({ prefix: 'many/', pageSize: 100, startAfter: 'many/1199' }))
      small.push(entry);
    expect(small.map((e) => (e.type === 'object' ? e.key : e.prefix))).toEqual([
      'many/1200',
      'many/1201',
      'many/1202',
      'many/1203',
      'many/1204',
    ]);
    const top = [];
    for await (const entry of reader.list({ delimiter: '/' })) top.push(entry);
    expect(top).toEqual([
      { type: 'prefix', prefix: 'docs/' },
      { type: 'prefix', prefix: 'many/' },
    ]);
  });

  it('answers with typed errors: missing keys, stale ifMatch, bad ranges, unknown buckets, writes', async () => {
    expect(await codeOf(reader.get('docs/missing'))).toBe('NotFound');
    expect(await codeOf(reader.head('docs/missing'))).toBe('NotFound');
    expect(await codeOf(reader.get('docs/big.bin', { ifMatch: '0123456789abcdef0123456789abcdef' }))).toBe(
      'PreconditionFailed',
    );
    expect(await codeOf(reader.get('docs/big.bin', { range: { start: 400_000 } }))).toBe('InvalidRange');
    const nowhere = httpStorage({ url: `${gw.endpoint}/no-such-bucket` });
    expect(await codeOf(nowhere.get('x'))).toBe('BucketNotFound');
    for (const write of [
      reader.put('docs/new', 'x'),
      reader.delete('docs/big.bin'),
      reader.deleteMany(['docs/big.bin']),
      reader.copy('docs/big.bin', 'docs/copy'),
    ]) {
      expect(await codeOf(write)).toBe('Unsupported');
    }
    expect(md5Hex(await (await writer.get('docs/big.bin')).bytes())).toBe(md5Hex(big));
    expect((await reader.capabilities()).conditionalWrites).toBe(false);
    expect(() => httpStorage({ url: 'ftp://example.com/b' })).toThrow(/http\(s\)/);
  });

  it('a gateway that refuses anonymous reads gives AccessDenied; an aborted read gives Aborted', async () => {
    const closed = await startGateway();
    try {
      await sdkClient(closed.endpoint).send(new CreateBucketCommand({ Bucket: 'private' }));
      const port = httpStorage({ url: `${closed.endpoint}/private` });
      expect(await codeOf(port.get('anything'))).toBe('AccessDenied');
      const listing = (async () => {
        for await (const _ of port.list()) {
        }
      })();
      expect(await codeOf(listing)).toBe('AccessDenied');
    } finally {
      await closed.stop();
    }
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(reader.get('docs/big.bin', { signal: controller.signal }))).toBe('Aborted');
  });

  it('a ranged answer whose Content-Range is hidden (CORS) is a typed error, never bytes sliced wrong', async () => {
    const hiding: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const headers = new Headers(res.headers);
      headers.delete('content-range');
      return new Response(res.body, { status: res.status, headers });
    };
    const port = httpStorage({ url: `${gw.endpoint}/public`, fetch: hiding });
    // (without the check, this range would come back as bytes 200-1099 of the object, sliced from the answer)
    expect(await codeOf(port.get('docs/big.bin', { range: { start: 100, end: 1099 } }))).toBe('Unsupported');
    expect(md5Hex(await (await port.get('docs/big.bin')).bytes())).toBe(md5Hex(big));
  });

  it('refuses keys with "." or ".." segments (fetch would resolve them and read another key)', async () => {
    const before = gw.requests.length;
    for (const key of ['docs/../docs/big.bin', './x', 'a/./b', 'a/..']) {
      expect(await codeOf(reader.get(key))).toBe('Unsupported');
      expect(await codeOf(reader.head(key))).toBe('Unsupported');
    }
    expect(gw.requests.length).toBe(before);
  });
});

describe('httpStorage with credentials (SigV4 through Web Crypto)', () => {
  it('reads, ranges and lists a private bucket; a wrong secret is AccessDenied', async () => {
    const closed = await startGateway();
    const owner = s3Storage({
      bucket: 'private',
      endpoint: closed.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    try {
      await sdkClient(closed.endpoint).send(new CreateBucketCommand({ Bucket: 'private' }));
      await owner.put('odd keys/a b+ü?#&=.txt', 'signed', { metadata: { owner: 'ada' } });
      await owner.put('odd keys/plain', 'x');
      const port = httpStorage({
        url: `${closed.endpoint}/private`,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      });
      const got = await port.get('odd keys/a b+ü?#&=.txt');
      expect([await got.text(), got.metadata]).toEqual(['signed', { owner: 'ada' }]);
      expect(await (await port.get('odd keys/a b+ü?#&=.txt', { range: { start: 1, end: 3 } })).text()).toBe(
        'ign',
      );
      expect((await port.head('odd keys/plain')).size).toBe(1);
      const keys: string[] = [];
      for await (const entry of port.list({ prefix: 'odd keys/a b+', pageSize: 1 })) {
        if (entry.type === 'object') keys.push(entry.key);
      }
      expect(keys).toEqual(['odd keys/a b+ü?#&=.txt']);
      const wrong = httpStorage({
        url: `${closed.endpoint}/private`,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'not-the-secret' },
      });
      expect(await codeOf(wrong.get('odd keys/plain'))).toBe('AccessDenied');
    } finally {
      await owner.close?.();
      await closed.stop();
    }
  });

  it('signs exactly as the Node signer does, for any key, query and time (property)', async () => {
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    };
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 }), {
          maxKeys: 4,
        }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        async (key, query, now, sessionToken) => {
          const creds = sessionToken ? { ...credentials, sessionToken } : credentials;
          const input = () => ({
            method: 'GET',
            path: `/bucket/${escapeKey(key)}`,
            query,
            headers: { host: 'example.com:9000', range: 'bytes=0-9' } as Record<string, string>,
            payloadHash: EMPTY_SHA256,
          });
          const node = input();
          const web = input();
          const nodeQuery = new LeanSigner(creds, 'eu-west-1').sign(node, now);
          const webQuery = await new WebSigner(creds, 'eu-west-1').sign(web, now);
          expect(web.headers).toEqual(node.headers);
          expect(webQuery).toBe(nodeQuery);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('httpStorage over a connection the server closes', () => {
  /** A server that drops the connection of the first `drops` requests without an answer. */
  async function dropping(
    drops: number,
  ): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
    const { createServer } = await import('node:http');
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (requests <= drops) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-length': '2', etag: '"e"', 'last-modified': new Date(0).toUTCString() });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}/bucket`,
      requests: () => requests,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it('sends a GET again when the socket closed under it, and gives up after three tries', async () => {
    const once = await dropping(1);
    try {
      const got = await httpStorage({ url: once.url }).get('k');
      expect(await got.text()).toBe('ok');
      expect(once.requests()).toBe(2);
    } finally {
      await once.close();
    }
    const always = await dropping(Number.POSITIVE_INFINITY);
    try {
      expect(await codeOf(httpStorage({ url: always.url }).head('k'))).toBe('Unavailable');
      expect(always.requests()).toBe(3);
    } finally {
      await always.close();
    }
  });
});
