/** `bucketkit lake watch` and `bucketkit lake serve` as a user runs them. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/index.js';
import { s3Event } from './event-bodies.js';
import { serveLake } from './lake-serve.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args]);

describe('bucketkit lake watch|serve', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-cli-triggers-'));
    url = `file://${dir}`;
    const port = fileStorage(dir);
    await port.put('logs-raw/a.json.gz', ndjsonGz(rawLines(30, T0, 1000)));
    await port.put('logs-raw/b.json.gz', ndjsonGz(rawLines(20, T0 + 60_000, 1000, 30)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('watch --once ingests what is new, and nothing the second time', async () => {
    const args = ['lake', 'watch', url, '--prefix', 'logs-raw/', '--once', '--prefix-org', 'logs-raw/=acme'];
    const first = await bucketkit(...args);
    expect(first.stdout).toBe(
      'logs-raw/a.json.gz: 30 rows, 1 segments\nlogs-raw/b.json.gz: 20 rows, 1 segments\n',
    );
    expect(first.stderr).toContain('1 passes, 2 objects ingested (50 rows), 0 failed');
    const second = await bucketkit(...args);
    expect(second.stdout).toBe('');
  }, 120_000);

  it('serve answers events until SIGTERM', async () => {
    await fileStorage(dir).put('logs-raw/c.json.gz', ndjsonGz(rawLines(10, T0 + 120_000, 1000, 50)));
    const served = await serveLake(url, ['--prefix-org', 'logs-raw/=acme']);
    const endpoint = `${served.base}/events`;
    const response = await fetch(endpoint, {
      method: 'POST',
      body: JSON.stringify(s3Event('raw', 'logs-raw/c.json.gz')),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ingested: [{ key: 'logs-raw/c.json.gz', rows: 10 }] });
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(served.stdout()).toBe('raw/logs-raw/c.json.gz: 10 rows\n');
  }, 120_000);
});
