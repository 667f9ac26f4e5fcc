/**
 * `bucketkit db --progress` through the real CLI in child processes: the count of records on stderr
 * (never on stdout) for `db import`, and per step for `db migrate-s3db` on a bucket the real s3db.js
 * 21.6.2 wrote (on s3rver), which bucketkit then opens where it is.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWithS3db } from './db/s3db-fixture.js';
import { type S3Server, startS3rver } from './support/servers.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');

async function db(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', cli, 'db', ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe('bucketkit db --progress', () => {
  let dir: string;
  let server: S3Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-cli-progress-'));
    server = await startS3rver('s3db');
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('import counts the records on stderr with --progress, and says nothing on a pipe without it', async () => {
    const url = `file://${join(dir, 'db')}`;
    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ id: `r${i}`, n: i })).join('\n');
    await writeFile(join(dir, 'a.jsonl'), lines);
    await writeFile(join(dir, 'b.jsonl'), lines.replaceAll('"r', '"s'));
    const { Database } = await import('../src/db/index.js');
    const made = await new Database({ connectionString: url }).connect();
    await made.createResource({ name: 'items', attributes: { n: 'integer' } });
    await made.disconnect();
    const shown = await db(['--url', url, 'import', 'items', join(dir, 'a.jsonl'), '--progress']);
    expect(shown).toMatchObject({ code: 0, stdout: 'imported 250 records into items\n' });
    // redrawn in place on one line (\r ... erase to end of line), the last state ended by a newline
    expect(shown.stderr).toMatch(/^\rimport \d+ objects/);
    expect(shown.stderr.endsWith('\rimport 250 objects\u001b[K\n')).toBe(true);
    const quiet = await db(['--url', url, 'import', 'items', join(dir, 'b.jsonl')]);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  }, 300_000);

  it('migrate-s3db shows each step on stderr and leaves a bucket that bucketkit db opens', async () => {
    const url = `http://${server.accessKeyId}:${server.secretAccessKey}@${new URL(server.endpoint).host}/${server.bucket}/app`;
    const theirs = await writeWithS3db(url);
    const env = { S3DB_PASSPHRASE: 'correct horse battery staple', BUCKETKIT_PASSPHRASE: 'new one' };
    const migrated = await db(['--url', url, 'migrate-s3db', '--progress'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/^migrated in place\n/);
    expect(migrated.stdout).toContain('people: 4 staged, 4 swapped');
    for (const step of ['stage', 'swap', 'finish'])
      expect(migrated.stderr).toMatch(new RegExp(`migrate-s3db ${step} \\d+ objects`));
    expect(migrated.stderr).toMatch(/migrate-s3db swap 10 objects/);
    const ada = await db(['--url', url, 'get', 'people', 'ada', '--json'], env);
    expect(ada.code, ada.stderr).toBe(0);
    expect(JSON.parse(ada.stdout)).toMatchObject({ name: theirs.get('people/ada')!.name, token: 's3cr3t-ü' });
    const again = await db(['--url', url, 'migrate-s3db', '--progress'], env);
    expect(again).toMatchObject({ code: 0, stdout: 'already migrated: nothing to do\n' });
  }, 600_000);
});
