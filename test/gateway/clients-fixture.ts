import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { MIB, startGateway, type TestGateway } from './support.js';

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
