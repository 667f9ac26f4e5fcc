/**
 * Issue 21, item 2: `bucketkit db` through the real CLI entry in child processes, on a file:// database
 * that the library wrote — what a user types and what they read back.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db/index.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let url: string;

/** `bucketkit db ARGS` with BUCKETKIT_URL set (unless `env` says otherwise). */
function db(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return run(process.execPath, ['--import', 'tsx', cli, 'db', ...args], {
    env: {
      ...process.env,
      BUCKETKIT_URL: url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: Result) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** `bucketkit db ARGS` with `input` on stdin. */
function dbWithStdin(args: string[], input: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'db', ...args], {
      env: { ...process.env, BUCKETKIT_URL: url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('bucketkit db', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-cli-db-'));
    url = `file://${join(dir, 'store')}`;
    const database = await new Database({ connectionString: url }).connect();
    await database.createResource({
      name: 'users',
      attributes: {
        name: 'string|required',
        age: 'number|integer',
        country: 'string',
        tags: 'array|items:string',
        profile: { bio: 'string' },
      },
      partitions: { byCountry: ['country'] },
    });
    await database.disconnect();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists resources and shows a schema, as a table and as JSON', async () => {
    const resources = await db(['resources']);
    expect(resources.code).toBe(0);
    expect(resources.stdout).toMatch(/^resource\s+version\s+behavior\s+fields\s+partitions\n/);
    expect(resources.stdout).toMatch(/users\s+[0-9a-f]{12}\s+body-overflow\s+5\s+byCountry\(country\)/);
    const schema = JSON.parse((await db(['schema', 'users', '--json'])).stdout);
    expect(schema.fields.map((f: { path: string }) => f.path)).toEqual([
      'name',
      'age',
      'country',
      'tags',
      'profile.bio',
    ]);
    expect(schema.jsonSchema.required).toEqual(['name']);
    expect((await db(['schema', 'users'])).stdout).toMatch(/tags\s+array<string>/);
  }, 600_000);

  it('inserts, gets, queries, counts, updates and deletes; wrong input exits 2, missing 3, conflicts 4', async () => {
    const ada = await db([
      'insert',
      'users',
      '{"id":"ada","name":"Ada","age":36,"country":"UK","tags":["x"],"profile":{"bio":"math, \\"poet\\""}}',
    ]);
    expect(ada).toMatchObject({ code: 0, stderr: '' });
    expect(ada.stdout).toMatch(/^field\s+value\nid\s+ada\nname\s+Ada\nage\s+36\n/);
    const bob = await dbWithStdin(['insert', 'users', '--json'], '{"id":"bob","name":"Bob","country":"US"}');
    expect(JSON.parse(bob.stdout)).toEqual({ id: 'bob', name: 'Bob', country: 'US' });

    expect(JSON.parse((await db(['get', 'users', 'ada', '--json'])).stdout)).toMatchObject({
      name: 'Ada',
      profile: { bio: 'math, "poet"' },
    });
    const uk = await db(['query', 'users', '--where', 'country=UK', '--partition', 'byCountry', '--json']);
    expect(JSON.parse(uk.stdout).map((r: { id: string }) => r.id)).toEqual(['ada']);
    const older = await db(['query', 'users', '--filter', '{"age":{"gte":30}}', '--limit', '5']);
    expect(older.stdout).toMatch(/^id\s+name\s+age\s+country\s+tags\s+profile\.bio\nada\s+Ada\s+36\s+UK/);
    expect((await db(['count', 'users'])).stdout).toBe('2\n');
    expect(JSON.parse((await db(['count', 'users', '--where', 'country=US', '--json'])).stdout)).toEqual({
      count: 1,
    });
    expect(JSON.parse((await db(['update', 'users', 'ada', '{"age":37}', '--json'])).stdout)).toMatchObject({
      age: 37,
      tags: ['x'],
    });

    // the failures leave the data alone, so they run side by side
    const [refused, notJson, partition, noUrl, noId, missing, ghosts, taken] = await Promise.all([
      db(['insert', 'users', '{"name":5}']),
      db(['insert', 'users', '{nope']),
      db(['query', 'users', '--partition', 'byCountry']),
      db(['resources'], { BUCKETKIT_URL: '' }),
      db(['get', 'users']),
      db(['get', 'users', 'nope', '--json']),
      db(['count', 'ghosts']),
      db(['insert', 'users', '{"id":"ada","name":"Again"}']),
    ]);
    // wrong input: exit 2, one line
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bucketkit: InvalidArgument: name: Invalid input: expected string, received number\n',
    });
    expect(notJson).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^bucketkit: db: the record is not JSON \(.*\)\n$/),
    });
    expect(partition).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bucketkit: db: partition "byCountry" needs --where country=...\n',
    });
    expect(noUrl.code).toBe(2);
    expect(noId.code).toBe(2);
    // not found: 3; with --json the error is JSON too
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toEqual({
      error: { code: 'NotFound', message: '"users" has no record "nope"', exit: 3 },
    });
    expect(ghosts.code).toBe(3);
    // conflict: 4
    expect(taken.code).toBe(4);

    expect(await db(['delete', 'users', 'bob'])).toMatchObject({ code: 0, stdout: 'deleted bob\n' });
    expect((await db(['delete', 'users', 'bob'])).code).toBe(3);
    expect((await db(['get', 'users', 'bob'])).code).toBe(3);
  }, 600_000);

  it('exports and imports JSON lines and CSV, streaming, and names the line of a refused record', async () => {
    const csvIn = join(dir, 'in.csv');
    await writeFile(
      csvIn,
      'id,name,age,tags,profile.bio\r\nc1,"Carl, Jr",40,"[""a"",""b""]","line one\nline two"\r\nc2,Dee,,,\r\n',
    );
    expect(await db(['import', 'users', csvIn])).toMatchObject({
      code: 0,
      stdout: 'imported 2 records into users\n',
    });
    const carl = JSON.parse((await db(['get', 'users', 'c1', '--json'])).stdout);
    expect(carl).toEqual({
      id: 'c1',
      name: 'Carl, Jr',
      age: 40,
      tags: ['a', 'b'],
      profile: { bio: 'line one\nline two' },
    });

    const csvOut = join(dir, 'out.csv');
    expect((await db(['export', 'users', csvOut])).stdout).toMatch(/^exported 3 records to /);
    const exported = await readFile(csvOut, 'utf8');
    expect(exported.split('\n')[0]).toBe('id,name,age,country,tags,profile.bio');
    // the exported CSV imports into another database as the same records
    const jsonl = (await db(['export', 'users'])).stdout;
    const records = jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.id)).toEqual(['ada', 'c1', 'c2']);

    const copy = `file://${join(dir, 'copy')}`;
    const target = await new Database({ connectionString: copy }).connect();
    await target.createResource({
      name: 'users',
      attributes: {
        name: 'string|required',
        age: 'number|integer',
        country: 'string',
        tags: 'array|items:string',
        profile: { bio: 'string' },
      },
    });
    await target.disconnect();
    expect((await db(['import', 'users', csvOut, '--url', copy])).stdout).toBe(
      'imported 3 records into users\n',
    );
    const again = (await db(['export', 'users', '--url', copy])).stdout;
    expect(
      again
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(records);
    // JSON lines from stdin; --upsert makes a re-run safe
    const lines = await dbWithStdin(
      ['import', 'users', '--url', copy, '--upsert', '--json'],
      '{"id":"ada","name":"Ada","age":99}\n\n{"id":"e1","name":"Eve"}\n',
    );
    expect(JSON.parse(lines.stdout)).toEqual({ imported: 2 });
    expect(JSON.parse((await db(['get', 'users', 'ada', '--url', copy, '--json'])).stdout).age).toBe(99);

    const bad = await dbWithStdin(
      ['import', 'users', '--url', copy],
      '{"id":"f1","name":"F"}\n{"id":"f2","name":7}\n',
    );
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bucketkit: InvalidArgument: line 2: name: Invalid input: expected string, received number\n',
    });
  }, 600_000);
});
