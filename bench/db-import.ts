/**
 * `bucketkit db import` of N records (default 100,000) from a JSON lines file into a file:// database,
 * through the real CLI in a child process (wall time includes its start), then `db count`. s3db.js has
 * no import command (its README's `import` does not exist), so there is no row to put beside it.
 *
 *   npx tsx bench/db-import.ts            # N=20000 npx tsx bench/db-import.ts for a shorter run
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Database } from '../src/db/index.js';

const run = promisify(execFile);
const N = Number(process.env.N ?? 100_000);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');

const dir = await mkdtemp(join(tmpdir(), 'bk-bench-import-'));
try {
  const url = `file://${join(dir, 'db')}`;
  const db = await new Database({ connectionString: url }).connect();
  await db.createResource({
    name: 'users',
    attributes: {
      name: 'string|required',
      email: 'string',
      country: 'string',
      score: 'number',
      active: 'boolean',
    },
    partitions: { byCountry: ['country'] },
  });
  await db.disconnect();
  const countries = ['PT', 'UK', 'US', 'BR', 'JP'];
  const lines = Array.from({ length: N }, (_, i) =>
    JSON.stringify({
      id: `u${String(i).padStart(7, '0')}`,
      name: `user ${i}`,
      email: `user${i}@example.com`,
      country: countries[i % countries.length],
      score: (i * 7919) % 1000,
      active: i % 3 === 0,
    }),
  );
  const file = join(dir, 'users.jsonl');
  await writeFile(file, `${lines.join('\n')}\n`);
  const started = performance.now();
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', cli, 'db', 'import', 'users', file, '--url', url, '--json'],
    {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const { count } = JSON.parse(
    (await run(process.execPath, ['--import', 'tsx', cli, 'db', 'count', 'users', '--url', url, '--json']))
      .stdout,
  );
  console.log(
    `db import (JSON lines, file://, one partition, concurrency 16): ${N.toLocaleString('en')} records in ${seconds.toFixed(1)} s = ${Math.round(N / seconds).toLocaleString('en')} records/s; ${stdout.trim()}; count ${count}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
