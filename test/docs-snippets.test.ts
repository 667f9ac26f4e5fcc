/**
 * The docs' examples, run as a reader would: every fenced block of README.md and docs/*.md marked
 * ```` ```ts runnable ```` or ```` ```sh runnable ```` runs in an empty folder, twice (a reader runs a
 * snippet again), and must exit 0. `bucketkit` imports resolve to src/ (tsconfig paths built from the
 * package's exports and the tsup entries); `bucketkit` and `npx bucketkit` in shell blocks run the CLI
 * from src/.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, esmOnlyEntries } from '../tsup.config.js';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

interface Snippet {
  file: string;
  line: number;
  lang: 'ts' | 'sh';
  code: string;
}

/** The blocks of `text` fenced as ```ts runnable or ```sh runnable. */
function runnableSnippets(file: string, text: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|sh) runnable\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed fence`);
    snippets.push({
      file,
      line: i + 1,
      lang: open[1] as 'ts' | 'sh',
      code: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return snippets;
}

/** tsconfig paths from each export of package.json to the source its dist file is built from. */
async function pathsToSources(): Promise<Record<string, string[]>> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const sources: Record<string, string> = { ...entries, ...esmOnlyEntries };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(
    manifest.exports as Record<string, { import?: { default: string } }>,
  )) {
    const dist = target.import?.default;
    if (!dist) continue;
    const source = sources[dist.replace(/^\.\/dist\//, '').replace(/\.js$/, '')];
    if (!source) throw new Error(`no source for ${subpath} (${dist})`);
    paths[subpath === '.' ? 'bucketkit' : `bucketkit/${subpath.slice(2)}`] = [join(root, source)];
  }
  return paths;
}

const docs = [
  'README.md',
  ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];
const snippets = (
  await Promise.all(
    docs.map(async (file) => runnableSnippets(file, await readFile(join(root, file), 'utf8'))),
  )
).flat();

describe('the docs’ runnable snippets', () => {
  let work: string;
  let tsconfig: string;
  let bin: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bk-docs-'));
    tsconfig = join(work, 'tsconfig.json');
    await writeFile(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2023',
          strict: true,
          paths: await pathsToSources(),
        },
      }),
    );
    // snippets are ES modules with top-level await, as in a reader's "type": "module" project
    await writeFile(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    bin = join(work, 'bin');
    await mkdir(bin);
    const cli = `${tsx} --tsconfig ${tsconfig} ${join(root, 'src', 'cli', 'index.ts')}`;
    await writeFile(join(bin, 'bucketkit'), `#!/bin/sh\nexec ${cli} "$@"\n`);
    await writeFile(
      join(bin, 'npx'),
      `#!/bin/sh\nif [ "$1" = bucketkit ]; then shift; exec ${cli} "$@"; fi\necho "npx $1: not in these docs' tests" >&2; exit 1\n`,
    );
    await chmod(join(bin, 'bucketkit'), 0o755);
    await chmod(join(bin, 'npx'), 0o755);
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('are found: at least one block in the README and in each module guide', () => {
    const files = new Set(snippets.map((s) => s.file));
    for (const file of ['README.md', 'docs/storage.md', 'docs/db.md', 'docs/erasure.md']) {
      expect(files.has(file), file).toBe(true);
    }
  });

  it.each(snippets.map((s) => [`${s.file}:${s.line} (${s.lang})`, s] as const))(
    '%s runs, and runs again',
    async (_name, snippet) => {
      const dir = join(work, `${snippet.file.replace(/\W/g, '_')}-${snippet.line}`);
      await mkdir(dir);
      const file = join(dir, snippet.lang === 'ts' ? 'snippet.ts' : 'snippet.sh');
      await writeFile(file, `${snippet.code}\n`);
      const [command, args] =
        snippet.lang === 'ts' ? [tsx, ['--tsconfig', tsconfig, file]] : ['bash', ['-euo', 'pipefail', file]];
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        DB_KEY: 'a passphrase for the docs test',
      };
      for (const attempt of [1, 2]) {
        const result = await run(command, args, { cwd: dir, env, timeout: 120_000 }).catch(
          (err: { code?: number; stdout: string; stderr: string }) => err,
        );
        expect(
          'code' in result && result.code !== undefined
            ? `run ${attempt}: exit ${result.code}\n${result.stderr}`
            : '',
          `${snippet.file}:${snippet.line}`,
        ).toBe('');
      }
    },
    300_000,
  );

  it('docs/gateway.md shows what `bucketkit serve` prints', async () => {
    const doc = await readFile(join(root, 'docs', 'gateway.md'), 'utf8');
    const from = doc.indexOf('npx bucketkit serve --storage file://./data --port 9000\n');
    expect(from).toBeGreaterThan(0);
    const shown = doc
      .slice(from)
      .split('\n')
      .slice(1)
      .filter((_line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('# ')))
      .map((line) => line.slice(2));
    const [access, secret] = [shown.at(-2)!.split(/\s+/).at(-1)!, shown.at(-1)!.split(/\s+/).at(-1)!];
    const dir = join(work, 'serve');
    await mkdir(dir);
    const server = spawn(join(bin, 'bucketkit'), ['serve', '--storage', 'file://./data', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, BUCKETKIT_ACCESS_KEY_ID: access, BUCKETKIT_SECRET_ACCESS_KEY: secret },
    });
    try {
      let out = '';
      await new Promise<void>((ready, failed) => {
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.split('\n').length > shown.length) ready();
        });
        server.once('exit', (code) => failed(new Error(`serve exited ${code}: ${out}`)));
      });
      const port = /127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      expect(out.trimEnd().split('\n')).toEqual(shown.map((line) => line.replace(':9000', `:${port}`)));
    } finally {
      server.kill('SIGTERM');
    }
  }, 120_000);
});
