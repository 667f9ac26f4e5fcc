// npm's `prepare` (npm install in a clone, npm pack, npm publish): builds dist/ with tsup, so that
// `npx bucketkit` works in a fresh clone and a packed tarball carries dist/. Skips the build when
// dist/ is newer than every input (an `npm install` with nothing changed costs no build), and under
// `npm ci --dry-run` / `npm install --dry-run`, which npm runs `prepare` for too (npm_config_dry_run).
// Plain JavaScript: it runs before anything is compiled.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stamp = join('dist', '.built');
const inputs = ['src', 'package.json', 'tsconfig.json', 'tsup.config.ts'];

/** The newest modification time under `path` (a file or a folder), in ms. */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

if (process.env.npm_config_dry_run === 'true') {
  console.log('dry run: dist/ not built');
} else if (existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newest))) {
  console.log('dist/ is up to date');
} else {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
