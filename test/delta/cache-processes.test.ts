/**
 * The on-disk reference cache shared by separate processes: four child processes write and read the same
 * entries at once, then this one reads them; every read is the exact reference or a miss, never torn bytes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { diskReferenceCache } from '../../src/delta/index.js';

const run = promisify(execFile);
const cacheModule = join(import.meta.dirname, '..', '..', 'src', 'delta', 'index.ts');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A child: 30 rounds of set + get of the same two references, exiting 1 on any wrong byte. */
const CHILD = `
import { diskReferenceCache } from ${JSON.stringify(cacheModule)};
const [dir, keyHex] = process.argv.slice(2);
const cache = diskReferenceCache({ dir, key: Buffer.from(keyHex, 'hex') });
const refs = [0, 1].map((i) => new Uint8Array(1 << 20).map((_, j) => (j * (i + 7)) & 255));
const shas = await Promise.all(refs.map(async (r) => Buffer.from(await crypto.subtle.digest('SHA-256', r)).toString('hex')));
for (let round = 0; round < 30; round++) {
  for (const i of [0, 1]) {
    await cache.set('ref' + i, shas[i], refs[i]);
    const got = await cache.get('ref' + i, shas[i]);
    if (got !== undefined && !Buffer.from(got).equals(Buffer.from(refs[i]))) process.exit(1);
  }
}
`;

describe('diskReferenceCache across processes', () => {
  it('four processes writing and reading the same entries at once see exact bytes or misses; a fifth reads them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-refcache-procs-'));
    dirs.push(dir);
    const script = join(dir, '..', `${dir.split('/').pop()}-child.mts`);
    await writeFile(script, CHILD);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const keyHex = Buffer.from(key).toString('hex');
    try {
      const children = Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', script, dir, keyHex], { timeout: 60_000 }),
      );
      await Promise.all(children); // rejects if any child exits non-zero
      const cache = diskReferenceCache({ dir, key });
      const ref = new Uint8Array(1 << 20).map((_, j) => (j * 7) & 255);
      const sha = Buffer.from(await crypto.subtle.digest('SHA-256', ref)).toString('hex');
      const got = await cache.get('ref0', sha);
      expect(got && Buffer.from(got).equals(Buffer.from(ref))).toBe(true);
      // content-addressed: one file per entry, no temp files left behind
      expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rm(script, { force: true });
    }
  }, 90_000);
});
