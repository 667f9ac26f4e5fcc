import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bkError } from '../../src/errors.js';
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { fileStorage, type StoragePort } from '../../src/index.js';
import { cleanEnv } from './clients-fixture.js';
import { errorCode, signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient } from './support.js';

/**
 * Gateway error answers never show the server's internals (issue #15, item 7): no filesystem path, no
 * port URL, no stack, no raw dependency message, whatever the error and whoever reads it (raw HTTP,
 * the AWS SDK, the aws cli).
 */

const run = promisify(execFile);
const INTERNAL_HOST = 'http://10.11.12.13:9000';

/** The error `fn` throws. */
function attempt(fn: () => never): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
}

/** A port that behaves like `inner` except for the keys that make it fail the way real backends do. */
function failing(inner: StoragePort, root: string): StoragePort {
  const fail = (key: string): never => {
    if (key === 'raw-error')
      throw new Error(`EIO: i/o error, open '${root}/boom~1'\n    at read (node:fs:1:1)`);
    if (key === 'backend-error') {
      throw bkError('Backend', `request to ${INTERNAL_HOST}/bucket/${key} failed (${root})`);
    }
    if (key === 'lock-error')
      throw bkError('InvalidArgument', `the lock ${root}/lock~ was already committed`);
    throw bkError('Corrupt', `record ${root}/${key}~ fails its checksum`);
  };
  const failingKeys = new Set(['raw-error', 'backend-error', 'lock-error', 'corrupt-error']);
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== 'get' && name !== 'head') return value;
      return (key: string, ...rest: unknown[]) =>
        failingKeys.has(key) ? Promise.reject(attempt(() => fail(key))) : value.call(target, key, ...rest);
    },
  });
}

describe('gateway errors reveal no server paths or internals', () => {
  let root: string;
  let endpoint: string;
  let close: () => Promise<void>;
  let s3: S3Client;
  let ports: StoragePort[];

  /** Nothing in `text` that tells a client about the server. */
  function assertClean(text: string, what: string): void {
    expect(text, what).not.toContain(root);
    expect(text, what).not.toContain(tmpdir());
    expect(text, what).not.toMatch(/file:|10\.11\.12\.13|\bat \S+ \(|node:fs|EIO|~1|lock~/);
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bk-private-server-path-'));
    ports = [fileStorage(join(root, 'data'), { durable: false })];
    const data = ports[0]!;
    const gateway = createGateway({
      buckets: staticBuckets({ data, shaky: failing(data, root) }),
      credentials: [{ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }],
    });
    const listening = await gateway.listen(0);
    endpoint = listening.endpoint;
    close = listening.close;
    s3 = sdkClient(endpoint);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'present.txt', Body: 'here' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await close?.();
    for (const port of ports ?? []) await port.close?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('raw HTTP: NoSuchKey, NoSuchBucket, AccessDenied, SignatureDoesNotMatch and 500s', async () => {
    const cases: Array<[string, Parameters<typeof signedRequest>[1], number, string]> = [
      ['NoSuchKey', { method: 'GET', path: '/data/missing.txt' }, 404, 'NoSuchKey'],
      ['NoSuchKey in a folder', { method: 'GET', path: '/data/sub/dir/missing.txt' }, 404, 'NoSuchKey'],
      ['NoSuchBucket', { method: 'GET', path: '/nobucket/x' }, 404, 'NoSuchBucket'],
      ['AccessDenied', { method: 'GET', path: '/data/present.txt', anonymous: true }, 403, 'AccessDenied'],
      [
        'wrong secret',
        { method: 'GET', path: '/data/present.txt', secret: 'wrong' },
        403,
        'SignatureDoesNotMatch',
      ],
      ['raw error from a port', { method: 'GET', path: '/shaky/raw-error' }, 500, 'InternalError'],
      ['backend error naming a URL', { method: 'GET', path: '/shaky/backend-error' }, 500, 'InternalError'],
      ['a port message naming a file', { method: 'GET', path: '/shaky/lock-error' }, 400, 'InvalidArgument'],
      ['corrupt record', { method: 'GET', path: '/shaky/corrupt-error' }, 500, 'InternalError'],
      [
        'copy from a missing source',
        {
          method: 'PUT',
          path: '/data/copy.txt',
          headers: { 'x-amz-copy-source': '/data/missing.txt' },
        },
        404,
        'NoSuchKey',
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const res = await signedRequest(endpoint, request);
      expect([res.status, errorCode(res)], what).toEqual([status, code]);
      expect(res.body, what).toMatch(/<Message>[^<]{10,}<\/Message>/);
      assertClean(res.body, what);
      assertClean(JSON.stringify(res.headers), `${what} (headers)`);
    }
  });

  it('the AWS SDK and the aws cli show clean messages', async () => {
    for (const [command, what] of [
      [new GetObjectCommand({ Bucket: 'data', Key: 'missing.txt' }), 'NoSuchKey'],
      [new GetObjectCommand({ Bucket: 'shaky', Key: 'backend-error' }), 'InternalError'],
      [new HeadBucketCommand({ Bucket: 'nobucket' }), 'NotFound'],
    ] as const) {
      const err = await s3.send(command as GetObjectCommand).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name, what).toBe(what);
      assertClean(`${err?.message} ${JSON.stringify(err)}`, what);
    }
    const env = {
      ...cleanEnv,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(root, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(root, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
    };
    for (const key of ['missing.txt', 'lock-error']) {
      const bucket = key === 'missing.txt' ? 'data' : 'shaky';
      const out = await run(
        '/usr/bin/aws',
        [
          '--endpoint-url',
          endpoint,
          's3api',
          'get-object',
          '--bucket',
          bucket,
          '--key',
          key,
          join(root, 'out'),
        ],
        { env, timeout: 120_000 },
      ).then(
        () => 'succeeded',
        (e: { stderr: string }) => e.stderr,
      );
      expect(out, key).toMatch(/NoSuchKey|InvalidArgument/);
      assertClean(out, `aws cli ${key}`);
    }
  });
});
