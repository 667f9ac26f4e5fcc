import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_KEY as KEY,
  MIB,
  SECRET_KEY as SECRET,
  startGateway,
  type TestGateway,
} from '../gateway/support.js';
import {
  type Exchange,
  exchange,
  MODE,
  presignV2,
  presignV4,
  pruneEmptyFolders,
  Random,
  rawHead,
  SEED,
  s3ErrorOf,
  signedChunks,
  signV4Headers,
  snapshot,
} from './gateway-support.js';

/**
 * Hostile clients against a running gateway over a folder (issue #14, deliver 2): tampered and
 * duplicated auth parameters, Host tricks, traversal and encoded slashes or dots in keys, huge headers,
 * bad Content-Length, truncated and aborted bodies, bad chunked and aws-chunked framing, unknown
 * methods. Every case is generated from a seed (`BUCKETKIT_TORTURE_SEED`) and must be answered with an
 * S3 XML error (or succeed where legitimate), change nothing when refused, never crash the server and
 * never show another bucket's bytes. Short mode: ~600 cases; `BUCKETKIT_TORTURE=long`: ~60,000.
 */

const SCALE = MODE === 'long' ? 100 : 1;
const MARKER = 'VICTIM-SECRET-7f3a9c';
const PUBLIC = 'arena public object';
const DECOY = 'arena object named victim/secret.txt';
const IDLE_MS = 1_500;

let gw: TestGateway;
let port: number;
let host: string;
let baseline: string[];

/** A signed request's bytes (header auth; `payloadHash` defaults to UNSIGNED-PAYLOAD). */
function signed(
  method: string,
  path: string,
  options: {
    query?: string;
    body?: Uint8Array;
    headers?: Array<[string, string]>;
    payloadHash?: string;
  } = {},
): Buffer {
  const body = options.body ?? new Uint8Array(0);
  const head = signV4Headers({
    method,
    path,
    ...(options.query ? { query: options.query } : {}),
    host,
    payloadHash: options.payloadHash ?? 'UNSIGNED-PAYLOAD',
    accessKey: KEY,
    secret: SECRET,
  });
  const target = options.query ? `${path}?${options.query}` : path;
  const headers = [...head, ...(options.headers ?? [['content-length', String(body.length)]])];
  return Buffer.concat([Buffer.from(rawHead(method, target, headers)), Buffer.from(body)]);
}

/** The answer must be an S3 answer: no internal error, an XML error document for every refusal, no secret. */
function assertS3Answer(ex: Exchange, label: string, options: { head?: boolean; mayClose?: boolean } = {}) {
  if (ex.kind !== 'response') {
    expect(options.mayClose, `${label}: connection ${ex.kind} without an answer`).toBe(true);
    return;
  }
  expect(ex.body.toString('latin1'), `${label}: leaked another bucket's bytes`).not.toContain(MARKER);
  expect([500, 502, 504].includes(ex.status), `${label}: status ${ex.status}`).toBe(false);
  if (ex.status >= 400 && !options.head) {
    expect(
      s3ErrorOf(ex.body),
      `${label}: not an S3 error document: ${ex.status} ${JSON.stringify(ex.headers)} ${ex.body.toString().slice(0, 300)}`,
    ).toBeDefined();
  }
}

/** Nothing under the gateway's root changed (polled briefly: an aborted request may still be unwinding). */
async function assertUnchanged(label: string): Promise<void> {
  let now = await snapshot(gw.root);
  for (let i = 0; i < 20 && now.join('\n') !== baseline.join('\n'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = await snapshot(gw.root);
  }
  const added = now.filter((l) => !baseline.includes(l));
  const removed = baseline.filter((l) => !now.includes(l));
  expect(
    { added, removed },
    `${label}: a refused request changed the stored state: ${JSON.stringify({ added, removed }).slice(0, 600)}`,
  ).toEqual({
    added: [],
    removed: [],
  });
}

/** A well-formed request still works (the server survived the case). */
async function assertAlive(label: string): Promise<void> {
  const ex = await exchange(port, [signed('GET', '/arena/pub.txt')]);
  expect(
    ex.kind === 'response' && ex.status === 200 && ex.body.toString(),
    `${label}: server no longer serving`,
  ).toBe(PUBLIC);
}

async function put(path: string, body: string): Promise<void> {
  const ex = await exchange(port, [signed('PUT', path, { body: Buffer.from(body) })]);
  expect(ex.kind === 'response' && ex.status).toBe(200);
}

/** Reads `path` as an authorised client: status and body. */
async function read(path: string): Promise<{ status: number; body: Buffer }> {
  const ex = await exchange(port, [signed('GET', path)]);
  if (ex.kind !== 'response') throw new Error(`GET ${path}: ${ex.kind}`);
  return { status: ex.status, body: ex.body };
}

beforeAll(async () => {
  gw = await startGateway({
    hostSuffixes: ['vhost.test'],
    limits: {
      maxObjectSize: MIB,
      maxHeaderSize: 8 * 1024,
      idleTimeoutMs: IDLE_MS,
      headersTimeoutMs: 5_000,
      minPartSize: 1,
    },
  });
  port = Number(new URL(gw.endpoint).port);
  host = `127.0.0.1:${port}`;
  for (const bucket of ['arena', 'victim']) {
    const ex = await exchange(port, [signed('PUT', `/${bucket}`)]);
    expect(ex.kind === 'response' && ex.status).toBe(200);
  }
  await put('/victim/secret.txt', MARKER);
  await put('/victim/private/secret.txt', `${MARKER} nested`);
  await put('/victim/pub.txt', `${MARKER} same name as the arena's`);
  await put('/arena/pub.txt', PUBLIC);
  await put('/arena/victim/secret.txt', DECOY);
  await put('/arena/private', 'a key named like a bucket');
  baseline = await snapshot(gw.root);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
});

const TIMEOUT = MODE === 'long' ? 4 * 3600_000 : 300_000;

describe(`hostile clients against the gateway (seed ${SEED}, ${MODE} mode)`, () => {
  it(
    'presigned URLs, mutated: duplicated, dropped, renamed or extra parameters, other paths, hosts, methods',
    async () => {
      const rng = new Random(SEED);
      const hosts = () => [
        host,
        `victim.vhost.test:${port}`,
        'victim.vhost.test',
        `arena.vhost.test:${port}`,
        'arena.example',
        'victim.example',
        `${host}.evil`,
        'VICTIM.VHOST.TEST',
        '[::1]',
        'x'.repeat(300),
      ];
      const paths = [
        '/victim/secret.txt',
        '/victim/pub.txt',
        '/arena/../victim/secret.txt',
        '/arena/..%2fvictim%2fsecret.txt',
        '/arena/%2e%2e/victim/secret.txt',
        '/arena%2f..%2fvictim/secret.txt',
        '/victim',
        '/victim/',
        '/',
        '/arena',
        '/arena/',
        '/arena/pub.txt/',
        '/arena//pub.txt',
        '/arena/pub%2etxt',
        '/arena/pub%2Etxt',
        '/ARENA/pub.txt',
        '/arena%2fpub.txt',
        '/victim/../arena/pub.txt',
        '/pub.txt',
        '/secret.txt',
      ];
      const extras = [
        'prefix=',
        'list-type=2',
        'uploads',
        'delete',
        'acl',
        'versionId=null',
        'versionId=x',
        'partNumber=1',
        'x-id=ListObjectsV2',
        'response-content-type=text%2Fhtml',
        'location',
        'tagging',
        'attributes',
        'select&select-type=2',
        'policy',
        'publicAccessBlock',
        'max-keys=1',
        'encoding-type=url',
      ];
      const count = 150 * SCALE;
      for (let i = 0; i < count; i++) {
        const v2 = rng.next() < 0.4;
        const method = 'GET';
        // the arena's key "victim/secret.txt" reads like the victim's "secret.txt" under a Host trick
        const signedPath = rng.pick(['/arena/pub.txt', '/arena/victim/secret.txt']);
        const content = signedPath === '/arena/pub.txt' ? PUBLIC : DECOY;
        let url = v2
          ? presignV2({ method, path: signedPath, accessKey: KEY, secret: SECRET })
          : presignV4({ method, path: signedPath, host, accessKey: KEY, secret: SECRET });
        let sendMethod = method;
        let sendHost = host;
        const steps: string[] = [];
        for (let m = rng.int(1, 3); m > 0; m--) {
          const params = new URLSearchParams(url.slice(url.indexOf('?') + 1));
          const names = [...params.keys()];
          switch (rng.int(0, 8)) {
            case 0: {
              const name = rng.pick(names);
              const value = rng.next() < 0.5 ? params.get(name)! : rng.pick(['00', '', 'AKIDNOBODY', '1']);
              url += `&${name}=${encodeURIComponent(value)}`;
              steps.push(`dup ${name}`);
              break;
            }
            case 1: {
              const extra = rng.pick(extras);
              url += `&${extra}`;
              steps.push(`extra ${extra}`);
              break;
            }
            case 2: {
              const path = rng.pick(paths);
              url = path + url.slice(url.indexOf('?'));
              steps.push(`path ${path}`);
              break;
            }
            case 3:
              sendHost = rng.pick(hosts());
              steps.push(`host ${sendHost.slice(0, 40)}`);
              break;
            case 4:
              sendMethod = rng.pick(['HEAD', 'PUT', 'DELETE', 'POST']);
              steps.push(`method ${sendMethod}`);
              break;
            case 5: {
              const name = rng.pick(names);
              url = url.replace(`${name}=`, `${name.toLowerCase()}=`);
              steps.push(`lower ${name}`);
              break;
            }
            case 6: {
              const name = rng.pick(names);
              url = url.replace(new RegExp(`[?&]${name}=[^&]*`), (m) => (m.startsWith('?') ? '?' : ''));
              url = url.replace('?&', '?');
              steps.push(`drop ${name}`);
              break;
            }
            case 8: {
              // the signed bucket moved into the Host, the key's first segment now reads as a bucket
              url = url.replace(/^\/arena/, '');
              sendHost = rng.pick(['arena.example', 'arena.example:80', `arena.vhost.test:${port}`, 'arena']);
              steps.push(`bucket into host ${sendHost}`);
              break;
            }
            default: {
              const name = rng.pick(names);
              url = url.replace(
                `${name}=`,
                `${name.slice(0, -1)}%${name.charCodeAt(name.length - 1).toString(16)}=`,
              );
              steps.push(`escape ${name}`);
            }
          }
        }
        const label = `presigned #${i} ${v2 ? 'v2' : 'v4'} [${steps.join(', ')}] ${sendMethod} ${url.slice(0, 120)}`;
        const body = sendMethod === 'PUT' || sendMethod === 'POST' ? 'overwritten' : '';
        const ex = await exchange(
          port,
          [
            rawHead(sendMethod, url, [
              ['host', sendHost],
              ['content-length', String(body.length)],
            ]) + body,
          ],
          { head: sendMethod === 'HEAD' },
        );
        assertS3Answer(ex, label, { head: sendMethod === 'HEAD' });
        if (ex.kind === 'response' && ex.status < 300 && sendMethod === 'GET') {
          expect(ex.body.toString(), `${label}: a mutated URL served something else`).toBe(content);
        }
        await assertUnchanged(label);
      }
      await assertAlive('presigned');
    },
    TIMEOUT,
  );

  it(
    'keys with traversal, encoded slashes and dots, reserved prefixes, long segments stay inside their bucket',
    async () => {
      const rng = new Random(SEED + 1);
      const segments = [
        '..',
        '.',
        '%2e%2e',
        '%2E%2E',
        '..%2f',
        '%2e%2e%2f',
        '..%2F..%2F',
        '%2f',
        '%5c',
        '..%5c',
        '.%2e',
        'victim',
        'secret.txt',
        '.bucketkit-gateway',
        'uploads',
        'A'.repeat(200),
        'A'.repeat(199),
        `${'A'.repeat(200)}..`,
        `${'A'.repeat(200)}.`,
        `${'A'.repeat(400)}..`,
        `${'A'.repeat(200)}%2e%2e`,
        `${'A'.repeat(200)}../pub.txt`,
        `${'A'.repeat(200)}./pub.txt`,
        'pub.txt',
        'B'.repeat(255),
        '~',
        '~+',
        '%7e%2b',
        '%00',
        '%c3%a9',
        '%e2%80%ae',
        '%20',
        '',
        'x',
      ];
      const count = 120 * SCALE;
      for (let i = 0; i < count; i++) {
        const n = rng.int(1, 5);
        const parts = Array.from({ length: n }, () => rng.pick(segments));
        const joiner = rng.next() < 0.7 ? '/' : '%2f';
        const rawKey = parts.join(joiner) || 'x';
        const path = `/arena/${rawKey}`;
        const body = `key ${i} ${rng.int(0, 1e9)}`;
        const label = `key #${i} ${path.slice(0, 160)}`;
        const victimBefore = baseline.filter((l) => l.startsWith('/victim'));
        const putEx = await exchange(port, [signed('PUT', path, { body: Buffer.from(body) })]);
        assertS3Answer(putEx, `${label} PUT`);
        const after = await snapshot(gw.root);
        expect(
          after.filter((l) => l.startsWith('/victim')),
          `${label}: the victim bucket changed`,
        ).toEqual(victimBefore);
        expect(
          after.every(
            (l) => l.startsWith('/arena/') || l.startsWith('/victim/') || l === '/arena/' || l === '/victim/',
          ),
          `${label}: a file outside the buckets`,
        ).toBe(true);
        if (putEx.kind === 'response' && putEx.status === 200) {
          const back = await read(path);
          expect([back.status, back.body.toString()], `${label}: read back`).toEqual([200, body]);
          const itself = safeDecode(rawKey) === 'pub.txt';
          if (!itself) {
            expect((await read('/arena/pub.txt')).body.toString(), `${label}: overwrote another key`).toBe(
              PUBLIC,
            );
          }
          const del = await exchange(port, [signed('DELETE', path)]);
          expect(del.kind === 'response' && del.status, `${label} DELETE`).toBe(204);
          expect((await read(path)).status, `${label}: still there after DELETE`).toBe(404);
          if (itself) await put('/arena/pub.txt', PUBLIC);
          baseline = await snapshot(gw.root);
        } else {
          await assertUnchanged(label);
        }
        const getEx = await exchange(port, [signed('GET', path)]);
        assertS3Answer(getEx, `${label} GET`);
        // folders a key made stay after its delete (until a sweep): removed here (a snapshot records
        // files only), or each snapshot would walk every folder of every earlier key
        await pruneEmptyFolders(join(gw.root, 'arena'));
      }
      baseline = await snapshot(gw.root);
      await assertAlive('keys');
    },
    TIMEOUT,
  );

  it(
    'bad Content-Length, Transfer-Encoding and truncated bodies: stored whole or not at all',
    async () => {
      const rng = new Random(SEED + 2);
      const count = 80 * SCALE;
      for (let i = 0; i < count; i++) {
        const key = `/arena/frame-${i}`;
        const body = rng.bytes(rng.int(1, 3000));
        const head = (headers: Array<[string, string]>, hash = 'UNSIGNED-PAYLOAD') =>
          signV4Headers({
            method: 'PUT',
            path: key,
            host,
            payloadHash: hash,
            accessKey: KEY,
            secret: SECRET,
          }).concat(headers);
        const send = (headers: Array<[string, string]>, payload: Buffer | string, hash?: string) =>
          Buffer.concat([Buffer.from(rawHead('PUT', key, head(headers, hash))), Buffer.from(payload)]);
        const chunked = (parts: Buffer[]) =>
          Buffer.concat([
            ...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
            Buffer.from('0\r\n\r\n'),
          ]);
        const variants: Array<{
          name: string;
          parts: Array<Buffer | string>;
          acceptable: Buffer[];
          options?: { endAfterWrite?: boolean; destroy?: boolean; timeoutMs?: number };
        }> = [
          ...['abc', '-1', '1e3', '0x10', '', '10, 11', '+5', '99999999999999999999'].map((cl) => ({
            name: `content-length "${cl}"`,
            parts: [send([['content-length', cl]], body)],
            acceptable: [],
          })),
          {
            name: 'two different content-lengths',
            parts: [
              send(
                [
                  ['content-length', String(body.length)],
                  ['content-length', String(body.length - 1)],
                ],
                body,
              ),
            ],
            acceptable: [],
          },
          {
            name: 'content-length and chunked',
            parts: [
              send(
                [
                  ['content-length', String(body.length)],
                  ['transfer-encoding', 'chunked'],
                ],
                chunked([body]),
              ),
            ],
            acceptable: [body],
          },
          {
            name: 'content-length larger than the body, client ends',
            parts: [send([['content-length', String(body.length + 100)]], body)],
            acceptable: [],
            options: { endAfterWrite: true },
          },
          {
            name: 'content-length larger than the body, client vanishes',
            parts: [send([['content-length', String(body.length + 100)]], body)],
            acceptable: [],
            options: { destroy: true },
          },
          {
            name: 'content-length smaller than the body',
            parts: [send([['content-length', String(body.length >> 1)]], body)],
            acceptable: [body.subarray(0, body.length >> 1)],
          },
          {
            name: 'valid chunked',
            parts: [
              send(
                [['transfer-encoding', 'chunked']],
                chunked([body.subarray(0, 7), body.subarray(7)].filter((b) => b.length > 0)),
              ),
            ],
            acceptable: [body],
          },
          ...['zz', '-1', 'fffffffffffffffff', '1;\x00', ''].map((size) => ({
            name: `chunk size "${size}"`,
            parts: [
              send([['transfer-encoding', 'chunked']], `${size}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`),
            ],
            acceptable: [] as Buffer[],
          })),
          {
            name: 'chunked without the last chunk, client ends',
            parts: [send([['transfer-encoding', 'chunked']], chunked([body]).subarray(0, -5))],
            acceptable: [],
            options: { endAfterWrite: true },
          },
          {
            name: 'chunk data longer than its size',
            parts: [send([['transfer-encoding', 'chunked']], `1\r\n${body.toString('latin1')}\r\n0\r\n\r\n`)],
            acceptable: body.length === 1 ? [body] : [],
          },
          ...['gzip', 'chunked, chunked', 'identity', 'gzip, chunked', 'chunked;x=1'].map((te) => ({
            name: `transfer-encoding "${te}"`,
            parts: [send([['transfer-encoding', te]], chunked([body]))],
            acceptable: [body],
          })),
          {
            name: 'signed payload hash, body changed',
            parts: [
              send(
                [['content-length', String(body.length)]],
                Buffer.concat([Buffer.from([body[0]! ^ 1]), body.subarray(1)]),
                createHash('sha256').update(body).digest('hex'),
              ),
            ],
            acceptable: [],
          },
          {
            name: 'wrong content-md5',
            parts: [
              send(
                [
                  ['content-length', String(body.length)],
                  ['content-md5', Buffer.alloc(16).toString('base64')],
                ],
                body,
              ),
            ],
            acceptable: [],
          },
        ];
        const v = rng.pick(variants);
        const label = `framing #${i} ${v.name}`;
        const ex = await exchangeWith(v.parts, v.options);
        assertS3Answer(ex, label, { mayClose: true });
        const stored = await read(key);
        if (stored.status === 200) {
          expect(
            v.acceptable.some((a) => a.equals(stored.body)),
            `${label}: stored ${stored.body.length} bytes that were not a whole body`,
          ).toBe(true);
          const del = await exchange(port, [signed('DELETE', key)]);
          expect(del.kind === 'response' && del.status).toBe(204);
          baseline = await snapshot(gw.root);
        } else {
          expect(stored.status, `${label}: read after refusal`).toBe(404);
        }
        await assertUnchanged(label);
      }
      await assertAlive('framing');
    },
    TIMEOUT,
  );

  it(
    'aws-chunked uploads with damaged framing or signatures: stored whole or not at all',
    async () => {
      const rng = new Random(SEED + 3);
      const count = 80 * SCALE;
      for (let i = 0; i < count; i++) {
        const key = `/arena/chunked-${i}`;
        const body = rng.bytes(rng.int(1, 5000));
        const chunkSize = rng.int(1, 2048);
        const chunks: Buffer[] = [];
        for (let at = 0; at < body.length; at += chunkSize) chunks.push(body.subarray(at, at + chunkSize));
        let decoded = body.length;
        const mutation = rng.int(0, 5);
        if (mutation === 3) decoded += rng.pick([-1, 1]);
        const head = signV4Headers({
          method: 'PUT',
          path: key,
          host,
          payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          accessKey: KEY,
          secret: SECRET,
          extra: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(decoded) },
        });
        let framed = signedChunks(head, chunks, SECRET);
        let name = 'intact';
        let end = false;
        if (mutation === 1) {
          const at = rng.int(0, framed.length - 1);
          framed = Buffer.from(framed);
          framed[at] = framed[at]! ^ rng.int(1, 255);
          name = `byte ${at} flipped`;
        } else if (mutation === 2) {
          framed = framed.subarray(0, rng.int(0, framed.length - 1));
          name = `cut at ${framed.length}`;
          end = true;
        } else if (mutation === 3) {
          name = `decoded length ${decoded} for ${body.length}`;
        } else if (mutation === 4) {
          const at = rng.int(0, framed.length);
          framed = Buffer.concat([framed.subarray(0, at), rng.bytes(rng.int(1, 8)), framed.subarray(at)]);
          name = `bytes inserted at ${at}`;
        } else if (mutation === 5) {
          framed = signedChunks(head, chunks, 'not-the-secret');
          name = 'chunks signed with another secret';
        }
        const declared = end ? framed.length + 10 : framed.length;
        const label = `aws-chunked #${i} ${name}`;
        const ex = await exchangeWith(
          [rawHead('PUT', key, [...head, ['content-length', String(declared)]]), framed],
          {
            endAfterWrite: end,
          },
        );
        assertS3Answer(ex, label, { mayClose: end });
        const stored = await read(key);
        if (mutation === 0)
          expect([stored.status, ex.kind === 'response' && ex.status], label).toEqual([200, 200]);
        if (stored.status === 200) {
          expect(stored.body.equals(body), `${label}: stored bytes that are not the body`).toBe(true);
          const del = await exchange(port, [signed('DELETE', key)]);
          expect(del.kind === 'response' && del.status).toBe(204);
          baseline = await snapshot(gw.root);
        } else {
          expect(stored.status, label).toBe(404);
        }
        await assertUnchanged(label);
      }
      await assertAlive('aws-chunked');
    },
    TIMEOUT,
  );

  it(
    'huge and malformed heads, unknown methods: an S3 error, nothing changed',
    async () => {
      const rng = new Random(SEED + 4);
      const methods = [
        'PATCH',
        'PROPFIND',
        'MKCOL',
        'COPY',
        'MOVE',
        'LOCK',
        'TRACE',
        'SEARCH',
        'PURGE',
        'REPORT',
        'FOO',
        'get',
        'G E T',
        'CONNECT',
      ];
      const targets = [
        '/',
        '/arena',
        '/arena/pub.txt',
        '/victim/secret.txt',
        '/victim',
        '*',
        'http://victim.vhost.test/secret.txt',
      ];
      const count = 100 * SCALE;
      for (let i = 0; i < count; i++) {
        const kind = rng.int(0, 5);
        let parts: string[];
        let label: string;
        if (kind === 0) {
          const size = rng.int(6 * 1024, 40 * 1024);
          parts = [
            rawHead('GET', '/arena/pub.txt', [
              ['host', host],
              ['x-amz-meta-big', 'x'.repeat(size)],
            ]),
          ];
          label = `header of ${size} bytes`;
        } else if (kind === 1) {
          const n = rng.int(50, 3000);
          parts = [
            rawHead('GET', '/arena/pub.txt', [
              ['host', host],
              ...Array.from({ length: n }, (_, j): [string, string] => [`x-h${j}`, 'v']),
            ]),
          ];
          label = `${n} headers`;
        } else if (kind === 2) {
          const n = rng.int(1000, 20_000);
          parts = [rawHead('GET', `/arena/${'a'.repeat(n)}`, [['host', host]])];
          label = `target of ${n} bytes`;
        } else if (kind === 3) {
          const bad = rng.pick([
            'x-a: b\x00c',
            'x-a : b',
            ' folded',
            'no-colon',
            'x-a: b\rc',
            'host: second',
            '\x7f: y',
          ]);
          parts = [`GET /arena/pub.txt HTTP/1.1\r\nhost: ${host}\r\n${bad}\r\n\r\n`];
          label = `malformed header ${JSON.stringify(bad)}`;
        } else if (kind === 4) {
          const method = rng.pick(methods);
          const target = rng.pick(targets);
          const path = target.startsWith('/') ? target : '/';
          const head =
            method === 'CONNECT' || !/^[A-Z]+$/.test(method)
              ? [['host', host] as [string, string]]
              : signV4Headers({
                  method,
                  path,
                  host,
                  payloadHash: 'UNSIGNED-PAYLOAD',
                  accessKey: KEY,
                  secret: SECRET,
                });
          parts = [
            rawHead(method, method === 'CONNECT' ? 'victim:80' : target, [...head, ['content-length', '0']]),
          ];
          label = `method ${method} ${target}`;
        } else {
          parts = [
            rng.pick([
              'GET /arena/pub.txt HTTP/2.0\r\nhost: x\r\n\r\n',
              'GET /arena/pub.txt\r\n\r\n',
              'GET /arena/pub.txt HTTP/1.1\r\n\r\n',
              `GET /arena/pub.txt HTTP/1.1\r\nhost: ${host}\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n`,
              '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
              `${rng.bytes(64).toString('latin1')}\r\n\r\n`,
              `GET /arena/pub.txt HTTP/1.0\r\n\r\n`,
            ]),
          ];
          label = `malformed request ${JSON.stringify(parts[0]!.slice(0, 40))}`;
        }
        label = `head #${i} ${label}`;
        const ex = await exchange(port, parts, { timeoutMs: 8_000 });
        assertS3Answer(ex, label, { mayClose: false });
        await assertUnchanged(label);
      }
      await assertAlive('heads');
    },
    TIMEOUT,
  );

  it(
    'uploads aborted mid-body (single PUT and multipart parts) leave nothing behind',
    async () => {
      const rng = new Random(SEED + 5);
      const count = 20 * SCALE;
      for (let i = 0; i < count; i++) {
        const size = rng.int(2, 600_000);
        const sent = rng.int(0, size - 1);
        const body = rng.bytes(sent);
        const multipart = rng.next() < 0.5;
        const path = `/arena/aborted-${i}`;
        let query: string | undefined;
        let uploadId: string | undefined;
        if (multipart) {
          const created = await exchange(port, [signed('POST', path, { query: 'uploads=' })]);
          expect(created.kind === 'response' && created.status).toBe(200);
          uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec((created as { body: Buffer }).body.toString())![1]!;
          query = `partNumber=1&uploadId=${uploadId}`;
        }
        const label = `aborted #${i} ${multipart ? 'part' : 'put'} ${sent}/${size}`;
        const head = signV4Headers({
          method: 'PUT',
          path,
          ...(query ? { query } : {}),
          host,
          payloadHash: 'UNSIGNED-PAYLOAD',
          accessKey: KEY,
          secret: SECRET,
        });
        const ex = await exchangeWith(
          [
            rawHead('PUT', query ? `${path}?${query}` : path, [...head, ['content-length', String(size)]]),
            body,
          ],
          { destroy: true },
        );
        expect(ex.kind, label).toBe('closed');
        if (uploadId) {
          await new Promise((r) => setTimeout(r, 50));
          const parts = await exchange(port, [signed('GET', path, { query: `uploadId=${uploadId}` })]);
          expect(parts.kind === 'response' && parts.status, label).toBe(200);
          expect(
            (parts as { body: Buffer }).body.toString(),
            `${label}: a part from an aborted body`,
          ).not.toContain('<Part>');
          const abort = await exchange(port, [signed('DELETE', path, { query: `uploadId=${uploadId}` })]);
          expect(abort.kind === 'response' && abort.status, label).toBe(204);
        }
        expect((await read(path)).status, label).toBe(404);
        await assertUnchanged(label);
      }
      await assertAlive('aborted');
    },
    TIMEOUT,
  );
});

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** `exchange` with a client that vanishes (destroys its socket) right after writing. */
async function exchangeWith(
  parts: Array<Buffer | string>,
  options: { endAfterWrite?: boolean; destroy?: boolean; timeoutMs?: number } = {},
): Promise<Exchange> {
  if (!options.destroy) return exchange(port, parts, options);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      parts.forEach((part, i) => {
        socket.write(part, i < parts.length - 1 ? undefined : () => socket.destroy());
      });
    });
    socket.on('close', () => resolve({ kind: 'closed' }));
    socket.on('error', () => {});
  });
}
