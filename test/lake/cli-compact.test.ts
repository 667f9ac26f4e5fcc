import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/index.js';
import { fileStorage } from '../../src/storage/index.js';
import { indexedObjects, ORGS, range, requestIds, seedFiles, segmentObjects } from './compact-support.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const bucketkit = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args]);

describe('bucketkit lake compact|sweep', () => {
  let dir: string;
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('merges small segments with progress on request, then sweeps what they replaced', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-cli-compact-'));
    const port = fileStorage(dir);
    const lake = openLake(port, { orgs: ORGS });
    for (const key of await seedFiles(port, 5, 20)) await lake.ingest(key);
    const url = `file://${dir}`;

    const compacted = await bucketkit('lake', 'compact', url, '--org', 'acme', '--progress');
    expect(compacted.stdout).toMatch(
      /^1 days: 5 segments merged into 1, [\d.]+ \w+ read, [\d.]+ \w+ written\n$/,
    );
    expect(compacted.stderr).toContain('compact [####################] 100% 1/1 objects');
    const swept = await bucketkit('lake', 'sweep', url, '--grace', '0s', '--json');
    expect(JSON.parse(swept.stdout)).toMatchObject({ days: 1, segmentsRetired: 5, objectsDeleted: 10 });
    expect(await segmentObjects(port)).toEqual(await indexedObjects(port));
    expect(await requestIds(lake)).toEqual(range(100));

    const usage = await bucketkit('lake', 'compact', url).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 2, stderr: 'usage: bucketkit lake compact: --org ORG is needed\n' });
  }, 240_000);
});
