import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/index.js';
import { ndjsonGz, rawLines, T0 } from './support.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args]);

describe('bucketkit lake', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-cli-'));
    url = `file://${dir}`;
    await fileStorage(dir).put('logs-raw/app.json.gz', ndjsonGz(rawLines(90, T0, 1000)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests once, then queries and counts what it ingested', async () => {
    const first = await bucketkit(
      'lake',
      'ingest',
      url,
      'logs-raw/app.json.gz',
      '--prefix-org',
      'logs-raw/=acme',
    );
    expect(first.stdout).toBe('logs-raw/app.json.gz: 90 rows, 1 segments\n');
    const again = await bucketkit(
      'lake',
      'ingest',
      url,
      'logs-raw/app.json.gz',
      '--prefix-org',
      'logs-raw/=acme',
    );
    expect(again.stdout).toBe('logs-raw/app.json.gz: already ingested\n');

    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 3_600_000).toISOString();
    const query = await bucketkit(
      'lake',
      'query',
      url,
      '--org',
      'acme',
      '--from',
      from,
      '--to',
      to,
      '--where',
      'level=ERROR',
      '--limit',
      '2',
      '--forward',
    );
    const expected = rawLines(90, T0, 1000)
      .filter((l) => l.level === 'ERROR')
      .slice(0, 2);
    expect(query.stdout).toBe(
      expected.map((l) => `${new Date(l.ms).toISOString()} ERROR ${l.msg}\n`).join(''),
    );
    expect(query.stderr).toMatch(/1 of 1 segments read/);

    const count = await bucketkit(
      'lake',
      'count',
      url,
      '--org',
      'acme',
      '--from',
      from,
      '--to',
      to,
      '--step',
      '1h',
      '--by',
      'level',
      '--json',
    );
    const lines = count.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { labels: { log_level: string }; count: number });
    expect(lines.map((l) => [l.labels.log_level, l.count])).toEqual([
      ['ERROR', 30],
      ['INFO', 30],
      ['WARN', 30],
    ]);
    expect(count.stderr).toMatch(/^agg files/);
  }, 120_000);

  it('exits 2 with a one-line usage error on a bad duration', async () => {
    const error = (await bucketkit('lake', 'count', url, '--org', 'acme', '--step', '5 minutes').catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/not a duration/);
  });
});
