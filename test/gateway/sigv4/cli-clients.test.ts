import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticate } from '../../../src/gateway/sigv4/index.js';
import { requireDebian } from '../../support/debian.js';
import { ACCESS_KEY, failure, OPTIONS, REGION, replay, SECRET, startRecorder } from './support.js';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let dir: string;
const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 11)) & 0xff));

beforeAll(async () => {
  recorder = await startRecorder();
  dir = mkdtempSync(join(tmpdir(), 'sigv4-awscli-'));
  writeFileSync(join(dir, 'body.bin'), body);
});
afterAll(async () => {
  await recorder.close();
  rmSync(dir, { recursive: true, force: true });
});

async function aws(...args: string[]): Promise<string> {
  requireDebian('awscli');
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  };
  const { stdout } = await run(AWS, [...args, '--endpoint-url', recorder.endpoint], { env });
  return stdout;
}

/** Runs a Debian client; its own exit status is not the point (the recorder is not a full S3). */
async function tool(file: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  await run(file, args, { timeout: 20_000, env: { ...process.env, ...env } }).catch(() => undefined);
}

describe('requests from the Debian awscli v2', () => {
  test('s3api put-object (signed payload + Content-MD5) is accepted; a flipped byte is not', async () => {
    await aws('s3api', 'put-object', '--bucket', 'b', '--key', 'dir/a b+ü~', '--body', join(dir, 'body.bin'));
    const rec = recorder.requests.at(-1)!;
    expect(rec.headers['content-md5']).toBeTruthy();
    expect((await replay(rec, {}, [1, 65_536, 200_001])).payload.equals(body)).toBe(true);
    const tampered = Buffer.from(rec.body);
    tampered[5] = tampered[5]! ^ 1;
    expect((await failure(replay({ ...rec, body: tampered }))).s3Code).toBe('XAmzContentSHA256Mismatch');
  });

  test('s3api put-object --checksum-algorithm CRC32 is accepted and its checksum echoed', async () => {
    await aws(
      's3api',
      'put-object',
      '--bucket',
      'b',
      '--key',
      'crc',
      '--body',
      join(dir, 'body.bin'),
      '--checksum-algorithm',
      'CRC32',
    );
    const rec = recorder.requests.at(-1)!;
    const { auth, payload } = await replay(rec, {}, [3, 4, 99_999]);
    expect(payload.equals(body)).toBe(true);
    expect(Object.keys(auth.checksums())).toEqual(['x-amz-checksum-crc32']);
  });

  test('a presigned GET from s3 presign is accepted, and refused for another method', async () => {
    const url = new URL((await aws('s3', 'presign', 's3://b/copied', '--expires-in', '120')).trim());
    const head = { method: 'GET', url: url.pathname + url.search, headers: { host: url.host } };
    expect((await authenticate(head, OPTIONS)).accessKeyId).toBe(ACCESS_KEY);
    expect((await failure(authenticate({ ...head, method: 'DELETE' }, OPTIONS))).s3Code).toBe(
      'SignatureDoesNotMatch',
    );
  });
});

describe('requests from the Debian s3cmd and rclone', () => {
  test('s3cmd put is accepted with its exact body', async () => {
    requireDebian('s3cmd');
    const before = recorder.requests.length;
    const host = new URL(recorder.endpoint).host;
    await tool('/usr/bin/s3cmd', [
      'put',
      join(dir, 'body.bin'),
      's3://bucket/s3cmd~key',
      `--host=${host}`,
      `--host-bucket=${host}`,
      '--no-ssl',
      `--access_key=${ACCESS_KEY}`,
      `--secret_key=${SECRET}`,
      `--region=${REGION}`,
      '-c',
      join(dir, 'none'),
    ]);
    const puts = recorder.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    for (const rec of puts) expect((await replay(rec, {}, [2, 50_000])).payload.equals(body)).toBe(true);
  });

  test('rclone copyto (UNSIGNED-PAYLOAD) is accepted with its exact body', async () => {
    requireDebian('rclone');
    const before = recorder.requests.length;
    await tool(
      '/usr/bin/rclone',
      [
        'copyto',
        join(dir, 'body.bin'),
        ':s3:bucket/rc lone',
        '--s3-provider=Other',
        `--s3-endpoint=${recorder.endpoint}`,
        `--s3-access-key-id=${ACCESS_KEY}`,
        `--s3-secret-access-key=${SECRET}`,
        `--s3-region=${REGION}`,
        '--no-check-dest',
        '--s3-no-check-bucket',
        '--retries=1',
        '--low-level-retries=1',
        `--config=${join(dir, 'none')}`,
      ],
      { AWS_CA_BUNDLE: '' },
    );
    const requests = recorder.requests.slice(before);
    const put = requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    for (const rec of requests) {
      const { payload } = await replay(rec, {}, [10]);
      if (rec === put) expect(payload.equals(body)).toBe(true);
    }
  });
});
