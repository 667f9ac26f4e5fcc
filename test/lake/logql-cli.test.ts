/** `bucketkit lake query --logql`: log lines and samples from a real CLI process, and a bad query refused. */
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
const lines = rawLines(120, T0, 1000);

describe('bucketkit lake query --logql', () => {
  let dir: string;
  let url: string;
  const window = [
    '--org',
    'acme',
    '--from',
    new Date(T0).toISOString(),
    '--to',
    new Date(T0 + 120_000).toISOString(),
  ];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-logql-cli-'));
    url = `file://${dir}`;
    await fileStorage(dir).put('logs-raw/app.json.gz', ndjsonGz(lines));
    await bucketkit('lake', 'ingest', url, 'logs-raw/app.json.gz', '--prefix-org', 'logs-raw/=acme');
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints matching lines oldest first with --forward, and samples per step', async () => {
    const logs = await bucketkit(
      'lake',
      'query',
      url,
      ...window,
      '--logql',
      '{service="api", level="ERROR"} |~ "took [0-9]ms"',
      '--forward',
      '--limit',
      '1000',
    );
    const want = lines.filter(
      (l) => l.service === 'api' && l.level === 'ERROR' && / took [0-9]ms/.test(l.msg),
    );
    expect(want.length).toBeGreaterThan(0);
    expect(logs.stdout).toBe(want.map((l) => `${new Date(l.ms).toISOString()} ERROR ${l.msg}\n`).join(''));
    expect(logs.stderr).toMatch(/segments read, \d+ requests, \d+ bytes/);

    const counts = await bucketkit(
      'lake',
      'query',
      url,
      ...window,
      '--logql',
      'sum by (level) (count_over_time({service=~".+"}[1m]))',
      '--step',
      '1m',
      '--json',
    );
    const samples = counts.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { labels: { level: string }; t: number; value: number });
    for (const s of samples) {
      const n = lines.filter((l) => l.level === s.labels.level && l.ms >= s.t - 60_000 && l.ms < s.t).length;
      expect(s.value).toBe(n);
    }
    expect(samples.reduce((sum, s) => sum + s.value, 0)).toBe(120);
  });

  it('refuses a query outside the subset, naming the position', async () => {
    const failed = await bucketkit(
      'lake',
      'query',
      url,
      ...window,
      '--logql',
      '{service="api"} | pattern "<ip> <_>"',
    ).catch((e: { code: number; stderr: string }) => e);
    expect('code' in failed && failed.code).toBeGreaterThan(0);
    expect(failed.stderr).toContain('parse error at line 1, col 19: | pattern is not supported');
  });
});
