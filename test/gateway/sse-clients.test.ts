import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncryptionKeys } from '../../src/gateway/index.js';
import { requireDebian } from '../support/debian.js';
import { awsCliEnv, cleanEnv, run, selfSignedCert } from './clients-fixture.js';
import { ACCESS_KEY, SECRET_KEY, startGateway, type TestGateway } from './support.js';

/**
 * Encryption at rest with real clients (issue #19): the Debian awscli v2 and rclone put and read
 * SSE-C and SSE-S3 objects on a gateway whose master keys come from a key file it created itself.
 */
describe('SSE with awscli and rclone', () => {
  let gw: TestGateway;
  let work: string;
  const plaintext = 'awscli and rclone secret text\n'.repeat(40);
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bk-sse-clients-'));
    const encryption = await loadEncryptionKeys(join(work, 'keys.json'));
    gw = await startGateway({ encryption: { ...encryption, customerKeysOverHttp: true } });
    await writeFile(join(work, 'plain.txt'), plaintext);
  });
  afterAll(async () => {
    await gw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the key file is created once with one 32-byte key, private to its owner', async () => {
    const file = JSON.parse(await readFile(join(work, 'keys.json'), 'utf8'));
    expect(Object.keys(file.keys)).toEqual([file.active]);
    expect(Buffer.from(file.keys[file.active], 'base64').byteLength).toBe(32);
    expect((await loadEncryptionKeys(join(work, 'keys.json'))).activeKey).toBe(file.active);
  });

  it('awscli v2: put-object/get-object with --sse-customer-key and --sse AES256', async () => {
    requireDebian('awscli');
    const env = awsCliEnv(work);
    const aws = async (...args: string[]) =>
      (await run('/usr/bin/aws', ['--endpoint-url', gw.endpoint, ...args], { env, timeout: 60_000 })).stdout;
    const ssec = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', 'c'.repeat(32)];
    await aws('s3', 'mb', 's3://awssse');
    const put = JSON.parse(
      await aws(
        's3api',
        'put-object',
        '--bucket',
        'awssse',
        '--key',
        'c.txt',
        '--body',
        join(work, 'plain.txt'),
        ...ssec,
      ),
    );
    expect(put.SSECustomerAlgorithm).toBe('AES256');
    await expect(
      aws('s3api', 'get-object', '--bucket', 'awssse', '--key', 'c.txt', join(work, 'nokey.out')),
    ).rejects.toThrow(/400|Bad Request|InvalidRequest/);
    await aws('s3api', 'get-object', '--bucket', 'awssse', '--key', 'c.txt', ...ssec, join(work, 'c.out'));
    expect(await readFile(join(work, 'c.out'), 'utf8')).toBe(plaintext);
    await aws('s3', 'cp', '--sse', 'AES256', join(work, 'plain.txt'), 's3://awssse/s3.txt');
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'awssse', '--key', 's3.txt'));
    expect([head.ServerSideEncryption, head.ContentLength]).toEqual(['AES256', plaintext.length]);
    await aws('s3', 'cp', 's3://awssse/s3.txt', join(work, 's3.out'));
    expect(await readFile(join(work, 's3.out'), 'utf8')).toBe(plaintext);
    expect(await aws('s3', 'ls', 's3://awssse/')).toContain(`${plaintext.length} s3.txt`);
  });

  it('awscli v2: get-object --range of an SSE-S3 object: the bytes, Content-Range and plaintext-MD5 ETag', async () => {
    requireDebian('awscli');
    const env = awsCliEnv(work);
    const aws = async (...args: string[]) =>
      (await run('/usr/bin/aws', ['--endpoint-url', gw.endpoint, ...args], { env, timeout: 60_000 })).stdout;
    // four 64 KiB chunks, the last one short: ranges inside one chunk, across chunks, open and suffix
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    await writeFile(join(work, 'big.bin'), big);
    await aws('s3', 'mb', 's3://awsrange');
    const put = JSON.parse(
      await aws(
        's3api',
        'put-object',
        '--bucket',
        'awsrange',
        '--key',
        'big.bin',
        '--body',
        join(work, 'big.bin'),
        '--server-side-encryption',
        'AES256',
      ),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update(big).digest('hex')}"`);
    for (const [range, start, end] of [
      ['bytes=70000-70099', 70_000, 70_099],
      ['bytes=60000-140000', 60_000, 140_000],
      ['bytes=150000-', 150_000, 199_999],
      ['bytes=-1000', 199_000, 199_999],
    ] as const) {
      const out = join(work, 'range.out');
      const got = JSON.parse(
        await aws('s3api', 'get-object', '--bucket', 'awsrange', '--key', 'big.bin', '--range', range, out),
      );
      expect([got.ContentRange, got.ContentLength, got.ETag, got.ServerSideEncryption]).toEqual([
        `bytes ${start}-${end}/200000`,
        end - start + 1,
        put.ETag,
        'AES256',
      ]);
      expect((await readFile(out)).equals(big.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('rclone over HTTPS with an SSE-C key: copyto, cat; a cat without the key gets nothing', async () => {
    requireDebian('rclone');
    requireDebian('openssl');
    const { cert, key } = await selfSignedCert(work);
    // over TLS customer keys need no opt-in
    const tls = await startGateway({ tls: { cert: await readFile(cert), key: await readFile(key) } });
    try {
      const remote = (extra: string[]) =>
        [
          '[gw]',
          'type = s3',
          'provider = Other',
          `access_key_id = ${ACCESS_KEY}`,
          `secret_access_key = ${SECRET_KEY}`,
          `endpoint = ${tls.endpoint}`,
          'region = us-east-1',
          'force_path_style = true',
          ...extra,
          '',
        ].join('\n');
      await writeFile(
        join(work, 'keyed.conf'),
        remote(['sse_customer_algorithm = AES256', `sse_customer_key = ${'r'.repeat(32)}`]),
      );
      await writeFile(join(work, 'plain.conf'), remote([]));
      const rclone = async (config: string, ...args: string[]) =>
        (
          await run('rclone', ['--config', join(work, config), '--ca-cert', cert, ...args], {
            env: cleanEnv,
            timeout: 60_000,
          })
        ).stdout;
      await rclone('plain.conf', 'mkdir', 'gw:rclonesse');
      await rclone('keyed.conf', 'copyto', join(work, 'plain.txt'), 'gw:rclonesse/r.txt');
      expect(await rclone('keyed.conf', 'cat', 'gw:rclonesse/r.txt')).toBe(plaintext);
      // without the key the HEAD is a 400, and rclone takes the name for an empty folder: no bytes
      expect(await rclone('plain.conf', 'cat', 'gw:rclonesse/r.txt')).toBe('');
      expect(tls.requests).toContain('HEAD /rclonesse/r.txt 400');
      expect(await plaintextIn(join(tls.root, 'rclonesse'), plaintext.slice(0, 30))).toBe(false);
    } finally {
      await tls.stop();
    }
  });
});

async function plaintextIn(dir: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && (await readFile(join(entry.parentPath, entry.name))).includes(needle)) return true;
  }
  return false;
}
