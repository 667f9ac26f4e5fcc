import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { missingNeeds, requireDebian } from '../support/debian.js';
import { ACCESS_KEY, MIB, SECRET_KEY, startGateway, type TestGateway } from './support.js';

export const run = promisify(execFile);
// a CA bundle from the environment makes rclone refuse a plain-HTTP endpoint; none is needed here
const { AWS_CA_BUNDLE: _bundle, ...env } = process.env;
export const cleanEnv = env;

/** What each client scenario gets: a gateway, a 20 MiB file, a small one and a folder to sync. */
export interface ClientFixture {
  gw: TestGateway;
  work: string;
  big: Uint8Array;
  files: { small: string; big: string; dir: string };
  /** Whether a multipart upload of bucket/key was completed (the gateway logs every request). */
  completed(bucket: string, key: string): boolean;
  bytesOf(path: string): Promise<Uint8Array>;
  /** The bucket's folder listing, or 'missing' once the bucket is removed. */
  bucketFolder(bucket: string): Promise<string[] | 'missing'>;
}

/** Registers beforeAll/afterAll that build the fixture; read it inside tests only. */
export function clientFixture(): ClientFixture {
  const f = { files: { small: '', big: '', dir: '' } } as ClientFixture;
  beforeAll(async () => {
    f.gw = await startGateway();
    f.work = await mkdtemp(join(tmpdir(), 'bk-gw-clients-'));
    f.big = pseudoRandomBytes(20 * MIB, 31);
    f.files.small = join(f.work, 'small.txt');
    f.files.big = join(f.work, 'big.bin');
    f.files.dir = join(f.work, 'folder');
    await writeFile(f.files.small, 'small file from a client\n');
    await writeFile(f.files.big, f.big);
    await mkdir(join(f.files.dir, 'sub'), { recursive: true });
    await writeFile(join(f.files.dir, 'one.txt'), 'one');
    await writeFile(join(f.files.dir, 'sub', 'two.txt'), 'two');
    await writeFile(join(f.files.dir, 'sub', 'three words.txt'), 'three');
  }, 60_000);
  afterAll(async () => {
    await f.gw?.stop();
    if (f.work) await rm(f.work, { recursive: true, force: true });
  });
  f.completed = (bucket, key) =>
    f.gw.requests.some((r) => new RegExp(`^POST /${bucket}/${key}\\?uploadId=\\w+ 200$`).test(r));
  f.bytesOf = async (path) => new Uint8Array(await readFile(path));
  f.bucketFolder = (bucket) => readdir(join(f.gw.root, bucket)).catch(() => 'missing' as const);
  return f;
}

/** A CLI bound to its config file: runs it with `args`, resolves with its stdout. */
export type Cli = (...args: string[]) => Promise<string>;

/**
 * Writes an s3cmd config for the fixture's gateway (plus `extra` lines, e.g. a chunk size) under
 * `f.work/<name>` and returns s3cmd bound to it.
 */
export async function s3cmdCli(f: ClientFixture, name: string, extra: string[] = []): Promise<Cli> {
  const host = new URL(f.gw.endpoint).host;
  const config = join(f.work, name);
  await writeFile(
    config,
    [
      '[default]',
      `access_key = ${ACCESS_KEY}`,
      `secret_key = ${SECRET_KEY}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      'use_https = False',
      'signature_v2 = False',
      'bucket_location = us-east-1',
      ...extra,
      '',
    ].join('\n'),
  );
  return async (...args) =>
    (await run('s3cmd', ['-c', config, '--no-progress', ...args], { env: cleanEnv, timeout: 60_000 })).stdout;
}

/**
 * Writes an rclone config with a remote `gw:` for the fixture's gateway under `f.work/<name>` and
 * returns rclone bound to it, `flags` put before every command's own arguments.
 */
export async function rcloneCli(f: ClientFixture, name: string, flags: string[] = []): Promise<Cli> {
  const config = join(f.work, name);
  await writeFile(
    config,
    [
      '[gw]',
      'type = s3',
      'provider = Other',
      `access_key_id = ${ACCESS_KEY}`,
      `secret_access_key = ${SECRET_KEY}`,
      `endpoint = ${f.gw.endpoint}`,
      'region = us-east-1',
      'force_path_style = true',
      '',
    ].join('\n'),
  );
  return async (...args) =>
    (await run('rclone', ['--config', config, ...flags, ...args], { env: cleanEnv, timeout: 60_000 })).stdout;
}

/**
 * The environment for `/usr/bin/aws` against a test gateway: its keys, no config or credentials file
 * (both point at a missing file in `dir`), no metadata lookups, no pager.
 */
export function awsCliEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...cleanEnv,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

/** Makes a one-day self-signed certificate for 127.0.0.1 with openssl; returns the PEM files' paths. */
export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-days',
    '1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** The Python that runs boto3: Debian's, or where only a pip-installed boto3 exists (a developer machine), that one. */
export async function boto3Python(): Promise<string> {
  if (missingNeeds(['boto3']).length === 0) return '/usr/bin/python3';
  const pip = await run('python3', ['-c', 'import boto3'], { env: cleanEnv, timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  if (!pip) requireDebian('boto3');
  return 'python3';
}
