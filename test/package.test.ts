/**
 * The package as a user gets it: `npm pack` (whose `prepare` builds dist/) of a copy of the project,
 * the tarball installed into an empty project from npm's cache, `npx bucketkit --help`, and every
 * export of package.json imported from ESM and required from CJS. bucketkit/testing is ESM only.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from './support/servers.js';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const ESM_ONLY = new Set(['./testing']);

interface Manifest {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
  peerDependencies: Record<string, string>;
}

let work: string;
let consumer: string;
let tarball: string;
let packed: string[];
let manifest: Manifest;

/** Runs `node` in the consumer project with `code` as an ES module or a CommonJS script; parses its JSON output. */
async function nodeIn(type: 'module' | 'commonjs', code: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--input-type', type, '-e', code], {
    cwd: consumer,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(stdout);
}

const subpaths = () =>
  Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'bucketkit' : `bucketkit/${key.slice(2)}`));

describe('the packed package', () => {
  beforeAll(async () => {
    manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    work = await mkdtemp(join(tmpdir(), 'bk-package-'));
    // A copy of what the build reads, so packing (which rebuilds dist/) leaves the working tree alone.
    const source = join(work, 'source');
    await mkdir(source);
    for (const entry of [
      'package.json',
      'tsconfig.json',
      'tsup.config.ts',
      'README.md',
      'CHANGELOG.md',
      'src',
      'scripts',
    ]) {
      await cp(join(root, entry), join(source, entry), { recursive: true });
    }
    await symlink(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: source,
      maxBuffer: 64 * 1024 * 1024,
    });
    // the prepack build may print lines with brackets ("[info] ...") before npm's JSON array
    const [info] = JSON.parse(stdout.slice(stdout.search(/^\[\s*(\{|\])/m))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info!.filename);
    packed = info!.files.map((f) => f.path);

    consumer = join(work, 'consumer');
    await mkdir(consumer);
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // vitest is bucketkit/testing's peer; everything comes from npm's cache when it is there
    const vitest = `vitest@${JSON.parse(await readFile(join(root, 'node_modules/vitest/package.json'), 'utf8')).version}`;
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, vitest],
      {
        cwd: consumer,
      },
    );
  }, 1_200_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the built entries, the CLI and the docs, and no sources or tests', () => {
    expect(packed).toContain('dist/index.js');
    expect(packed).toContain('dist/index.cjs');
    expect(packed).toContain('dist/cli/index.js');
    expect(packed).toContain('README.md');
    expect(packed).not.toContain('dist/.built'); // scripts/prepare.mjs's stamp
    expect(packed.filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);
    for (const file of Object.values(manifest.bin)) expect(packed).toContain(file.replace(/^\.\//, ''));
  });

  it('npx bucketkit --help prints the usage', async () => {
    const { stdout, stderr } = await run('npx', ['--no-install', 'bucketkit', '--help'], { cwd: consumer });
    expect(stdout).toMatch(/^bucketkit — one storage contract/);
    expect(stdout).toContain('usage: bucketkit COMMAND URL');
    expect(stderr).toBe('');
  });

  it('every export imports from ESM with the same names as from CJS', async () => {
    const names = (await nodeIn(
      'module',
      `const out = {};
       for (const p of ${JSON.stringify(subpaths())}) out[p] = Object.keys(await import(p)).filter((k) => k !== 'default').sort();
       console.log(JSON.stringify(out));`,
    )) as Record<string, string[]>;
    const cjs = (await nodeIn(
      'commonjs',
      `const out = {};
       for (const p of ${JSON.stringify(subpaths().filter((p) => !ESM_ONLY.has(`.${p.slice(9)}`)))})
         out[p] = Object.keys(require(p)).sort();
       console.log(JSON.stringify(out));`,
    )) as Record<string, string[]>;
    for (const path of subpaths()) expect(names[path]?.length, path).toBeGreaterThan(0);
    for (const [path, keys] of Object.entries(cjs)) expect(keys, path).toEqual(names[path]);
    expect(Object.keys(cjs)).toHaveLength(subpaths().length - ESM_ONLY.size);
  });

  it('works from both formats: a put and a get through connect()', async () => {
    const roundTrip = (load: string) => `
      const { connect } = ${load};
      const port = connect('memory://package-test');
      await port.put('a.txt', 'from the tarball');
      const got = await port.get('a.txt');
      console.log(JSON.stringify(await got.text()));`;
    expect(await nodeIn('module', roundTrip("await import('bucketkit')"))).toBe('from the tarball');
    expect(await nodeIn('commonjs', `(async () => { ${roundTrip("require('bucketkit')")} })()`)).toBe(
      'from the tarball',
    );
  });

  it('npx bucketkit db mcp without the optional @modelcontextprotocol/sdk says what to install (exit 1)', async () => {
    const failed = await run('npx', ['--no-install', 'bucketkit', 'db', 'mcp', '--url', 'memory://mcp'], {
      cwd: consumer,
    }).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'bucketkit: Unsupported: the MCP server needs the optional package @modelcontextprotocol/sdk: npm install @modelcontextprotocol/sdk\n',
    });
  });

  it("bucketkit/lake without the optional @duckdb/node-api: auto is TypeScript, engine 'duckdb' says what to install", async () => {
    const lakeCode = (load: (name: string) => string) => `
      const { openLake } = ${load('bucketkit/lake')};
      const { connect } = ${load('bucketkit')};
      const port = connect('memory://lake-test');
      await port.put('raw/a.json', JSON.stringify({ timestamp: 1767225600000, message: 'hello 1', level: 'INFO' }));
      const auto = openLake(port, { orgs: { 'raw/': 'acme' } });
      const { rows } = await auto.ingest('raw/a.json');
      const error = await openLake(port, { engine: 'duckdb' }).engine().catch((e) => ({ code: e.code, message: e.message }));
      let installed = true;
      try { require.resolve('@duckdb/node-api'); } catch { installed = false; }
      console.log(JSON.stringify({ installed, engine: await auto.engine(), rows, error }));`;
    const want = {
      installed: false,
      engine: 'typescript',
      rows: 1,
      error: { code: 'Unsupported', message: expect.stringContaining('npm install @duckdb/node-api') },
    };
    const esm = lakeCode((name) => `await import('${name}')`).replace(
      'let installed',
      "const require = (await import('node:module')).createRequire(process.cwd() + '/');\n      let installed",
    );
    expect(await nodeIn('module', esm)).toEqual(want);
    const cjs = lakeCode((name) => `require('${name}')`);
    expect(await nodeIn('commonjs', `(async () => { ${cjs} })()`)).toEqual(want);
  });

  it('bucketkit/testing is ESM only: require() says the subpath is not exported', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-e', `try { require('bucketkit/testing') } catch (e) { console.log(e.code) }`],
      { cwd: consumer },
    );
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  // Node 20 left the AWS SDK's supported lines (it warns on every command); the supported lines do not
  it.skipIf(Number(process.versions.node.split('.')[0]) < 22)(
    'an S3 command prints no Node-version warning (Node 22 and later)',
    async () => {
      const server = await startS3rver('warn');
      try {
        const url = `http://S3RVER:S3RVER@${server.endpoint.slice('http://'.length)}/warn`;
        const { stderr } = await run('npx', ['--no-install', 'bucketkit', 'ls', url], { cwd: consumer });
        expect(stderr).toBe(''); // an empty bucket: exit 0, nothing said
      } finally {
        await server.stop();
      }
    },
  );
});
