/**
 * Servers without conditional writes (s3rver): a DeltaSpace refuses to create reference.bin there by
 * default, and creates it with `assumeSingleWriter` / `--single-writer`, warning once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaSpace, delta } from '../../src/delta/index.js';
import { type LogEvent, setLogger } from '../../src/logger.js';
import { type StoragePort, s3Storage } from '../../src/storage/index.js';
import { type S3Server, startS3rver } from '../support/servers.js';
import { dgGet } from './deltaglider-fixture.js';
import { versionPair } from './edits.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const { source: v1, target: v2 } = versionPair(120_000, 12);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('DeltaSpace on s3rver (no conditional writes)', () => {
  let server: S3Server;
  let port: StoragePort;
  let dir: string;
  const events: LogEvent[] = [];
  beforeAll(async () => {
    server = await startS3rver('weak');
    dir = await mkdtemp(join(tmpdir(), 'bk-delta-weak-'));
    port = s3Storage({
      bucket: 'weak',
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    setLogger((event) => events.push(event));
  });
  afterAll(async () => {
    setLogger(undefined);
    await port.close?.();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an archive by default, naming the way out; nothing is left behind', async () => {
    const space = new DeltaSpace(port, { prefix: 'refused' });
    await expect(space.put('app-1.0.zip', v1)).rejects.toMatchObject({
      code: 'Unsupported',
      message: expect.stringMatching(/assumeSingleWriter: true \(CLI --single-writer\)/),
    });
    const left: string[] = [];
    for await (const entry of port.list({ prefix: 'refused/' }))
      if (entry.type === 'object') left.push(entry.key);
    expect(left).toEqual([]);
  });

  it('with assumeSingleWriter: stores deltas, warns once for the port, reads back; DeltaGlider reads them', async () => {
    events.length = 0;
    const space = new DeltaSpace(port, { prefix: 'app', assumeSingleWriter: true });
    expect((await space.put('app-1.0.zip', v1)).createdReference).toBe(true);
    const second = await space.put('app-1.1.zip', v2);
    expect(second).toMatchObject({ storedAs: 'delta', createdReference: false });
    expect(second.storedSize).toBeLessThan(v2.length / 4);
    // another DeltaSpace, and delta(), over the same port: no second warning
    await new DeltaSpace(port, { prefix: 'other', assumeSingleWriter: true }).put('x-1.zip', v1);
    await delta(port, { assumeSingleWriter: true }).put('third/y-1.zip', v2);
    const warnings = events.filter((e) => e.scope === 'delta' && e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/without a create-only write/);
    expect(same(await space.get('app-1.1.zip'), v2)).toBe(true);
    expect(same(await dgGet(port, 'app/app-1.1.zip'), v2)).toBe(true);
    expect(same(await dgGet(port, 'third/y-1.zip'), v2)).toBe(true);
  }, 60_000);

  it('CLI: delta cp to s3rver fails without --single-writer and works with it, warning on stderr', async () => {
    await writeFile(join(dir, 'app-1.0.zip'), v1);
    await writeFile(join(dir, 'app-1.1.zip'), v2);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_ENDPOINT_URL: server.endpoint,
    };
    const cp = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', cli, 'delta', 'cp', ...args], { env });
    await expect(cp(join(dir, 'app-1.0.zip'), 's3://weak/cli/app-1.0.zip')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--single-writer/),
    });
    const first = await cp(join(dir, 'app-1.0.zip'), 's3://weak/cli/app-1.0.zip', '--single-writer');
    expect(first.stderr.match(/warning: creating reference\.bin without a create-only write/g)).toHaveLength(
      1,
    );
    expect(first.stdout).toMatch(/new reference/);
    await cp(join(dir, 'app-1.1.zip'), 's3://weak/cli/app-1.1.zip', '--single-writer');
    await cp('s3://weak/cli/app-1.1.zip', join(dir, 'back.zip'));
    expect(same(await readFile(join(dir, 'back.zip')), v2)).toBe(true);
    expect(same(await dgGet(port, 'cli/app-1.1.zip'), v2)).toBe(true);
  }, 120_000);
});
