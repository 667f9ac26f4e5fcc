/**
 * Issue 15, item 8 and its "Messages": the CLI as docs/cli.md promises it, through the real entry in
 * child processes, each message checked to the letter.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarBytes } from '../src/datasets/index.js';
import { createGateway, type ListeningGateway, staticBuckets } from '../src/gateway/index.js';
import { connect, memoryStorage } from '../src/storage/index.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'index.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with stdout and stderr on pipes. */
function bucketkit(...args: string[]): Promise<Result> {
  return run(process.execPath, ['--import', 'tsx', cli, ...args], { maxBuffer: 64 * 1024 * 1024 }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: Result) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** The CLI on a terminal (util-linux `script` gives it a pseudo-TTY); returns what the terminal showed. */
async function onTerminal(...args: string[]): Promise<string> {
  const quoted = [process.execPath, '--import', 'tsx', cli, ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await run('script', ['-qec', `${quoted} > /dev/null`, '/dev/null'], {
    cwd: join(import.meta.dirname, '..'),
  });
  return stdout;
}

const pointName = (n: number) => `${String(n).padStart(20, '0')}.txt`;
const tarOf = (first: number, last: number) =>
  tarBytes(
    Array.from({ length: last - first + 1 }, (_, i) => ({
      name: pointName(first + i),
      body: new TextEncoder().encode(`datapoint ${first + i}\n`),
    })),
  );

describe('the bucketkit CLI as docs/cli.md promises', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-cli-contract-'));
    url = `file://${join(dir, 'store')}`;
    await mkdir(join(dir, 'store'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('usage errors exit 2 with one line and no stack', async () => {
    expect(await bucketkit('ls', url, '--bogus')).toEqual({
      code: 2,
      stdout: '',
      stderr: "bucketkit: unknown option '--bogus' (bucketkit --help lists the options)\n",
    });
    expect(await bucketkit('delta', 'ls', url, '--progres')).toMatchObject({
      code: 2,
      stderr: "bucketkit: unknown option '--progres' (bucketkit delta --help lists the options)\n",
    });
    expect(await bucketkit('dbs', '--help')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'bucketkit: unknown command "dbs"; the commands are ls, put, get, stat, rm, caps and the groups datasets, db, delta, erasure, lake, serve (bucketkit --help)\n',
    });
    expect(await bucketkit('delta', 'frob')).toMatchObject({
      code: 2,
      stderr:
        'bucketkit: unknown delta command "frob"; the commands are cp, put, get, ls, rm, sync, stats, verify (bucketkit delta --help)\n',
    });
    expect(await bucketkit('put')).toMatchObject({
      code: 2,
      stderr: 'usage: bucketkit put URL KEY [FILE]  (reads stdin without FILE)\n',
    });
  }, 180_000);

  it('a missing or unreadable local file is one line, exit 1', async () => {
    const missing = join(dir, 'missing.txt');
    const line = `bucketkit: NotFound: no such file or folder "${missing}"; check the path\n`;
    expect(await bucketkit('put', url, 'k.txt', missing)).toEqual({ code: 1, stdout: '', stderr: line });
    expect(await bucketkit('delta', 'put', url, 'rel/app.zip', missing)).toMatchObject({
      code: 1,
      stderr: line,
    });
    expect(await bucketkit('datasets', 'upload', url, 'frames', missing)).toMatchObject({
      code: 1,
      stderr: line,
    });
    expect(await bucketkit('put', url, 'k.txt', dir)).toMatchObject({
      code: 1,
      stderr: `bucketkit: InvalidArgument: "${dir}" is a folder; give a file\n`,
    });
    const noFolder = join(dir, 'nowhere', 'out.txt');
    await writeFile(join(dir, 'in.txt'), 'x');
    await bucketkit('put', url, 'k.txt', join(dir, 'in.txt'));
    expect(await bucketkit('get', url, 'k.txt', noFolder)).toMatchObject({
      code: 1,
      stderr: `bucketkit: NotFound: no such file or folder "${noFolder}"; check the path\n`,
    });
  }, 180_000);

  it('rm says what it deleted and what was absent', async () => {
    await writeFile(join(dir, 'a.txt'), 'a');
    await bucketkit('put', url, 'rm/a.txt', join(dir, 'a.txt'));
    await bucketkit('put', url, 'rm/b.txt', join(dir, 'a.txt'));
    expect(await bucketkit('rm', url, 'rm/a.txt', 'rm/b.txt', 'rm/c.txt')).toEqual({
      code: 0,
      stdout:
        'deleted rm/a.txt\ndeleted rm/b.txt\nabsent  rm/c.txt (nothing to delete)\ndeleted 2, absent 1\n',
      stderr: '',
    });
    expect((await bucketkit('ls', url, '--prefix', 'rm/')).stdout).toBe('');
  }, 180_000);

  it('ls of a missing folder says so', async () => {
    const typo = join(dir, 'typo');
    expect(await bucketkit('ls', `file://${typo}`)).toEqual({
      code: 1,
      stdout: '',
      stderr: `bucketkit: NotFound: the folder "${typo}" does not exist; check the path in file://${typo}\n`,
    });
  }, 60_000);

  describe('one progress display', () => {
    const big = () => join(dir, 'big.bin');
    beforeAll(() => writeFile(big(), new Uint8Array(9 * 1024 * 1024).fill(7)));

    it('on a terminal by default for moves over 8 MiB, never for small ones, --no-progress silences it', async () => {
      const shown = await onTerminal('put', url, 'big.bin', big());
      expect(shown).toMatch(/\rupload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB [\d.]+ (KiB|MiB|GiB)\/s/);
      expect(await onTerminal('put', url, 'small.txt', join(dir, 'in.txt'))).not.toMatch(/upload/);
      expect(await onTerminal('put', url, 'big.bin', big(), '--no-progress')).not.toMatch(/upload/);
      expect(await onTerminal('get', url, 'big.bin', join(dir, 'big.out'))).toMatch(
        /\rdownload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB/,
      );
    }, 180_000);

    it('never on a pipe unless --progress asks; --progress is accepted by every moving command', async () => {
      expect((await bucketkit('put', url, 'big.bin', big())).stderr).toBe('');
      const asked = await bucketkit('put', url, 'big.bin', big(), '--progress');
      expect(asked.stderr).toMatch(/\rupload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB .*\n$/);
      const got = await bucketkit('get', url, 'big.bin', join(dir, 'big.out'), '--progress');
      expect(got.stderr).toMatch(/\rdownload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB/);
      const cp = await bucketkit('delta', 'cp', big(), `${url}/rel/big.zip`, '--progress');
      expect(cp.code).toBe(0);
      expect(cp.stderr).toMatch(/\rupload \[#{20}\] 100% 9\.0 MiB \/ 9\.0 MiB/);
      const sync = await bucketkit(
        'delta',
        'sync',
        url,
        'mirror',
        join(dir, 'store'),
        '--dryrun',
        '--progress',
      );
      expect(sync.code).toBe(0);
      await bucketkit('datasets', 'create', url, 'progress');
      await writeFile(join(dir, 'p.tar'), tarOf(1, 3));
      const up = await bucketkit('datasets', 'upload', url, 'progress', join(dir, 'p.tar'), '--progress');
      expect(up.stderr).toMatch(/\rupload \[#{20}\] 100% 4\.0 KiB \/ 4\.0 KiB/);
    }, 300_000);
  });

  it('an erasure group: put, get, status and heal over a set of folders', async () => {
    const set = [0, 1, 2, 3].map((i) => join(dir, `disk${i}`)).join(',');
    const body = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    await writeFile(join(dir, 'e.bin'), body);
    const put = await bucketkit('erasure', 'put', set, 'e.bin', join(dir, 'e.bin'), '--parity', '1');
    expect(put.stdout).toMatch(/^e\.bin {2}293\.0 KiB {2}etag [0-9a-f]{32} {2}erasure\(3\+1\)\n$/);
    await rm(join(dir, 'disk2'), { recursive: true });
    const status = await bucketkit('erasure', 'status', set, '--parity', '1');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `down  file://${join(dir, 'disk2')}  NotFound: the folder "${join(dir, 'disk2')}" does not exist; check the path in file://${join(dir, 'disk2')}\n`,
    );
    expect(status.stdout).toMatch(
      /3\+1: 1 of 4 ports down, 1 may fail; reads still work, run heal after replacing them\n$/,
    );
    await bucketkit('erasure', 'get', set, 'e.bin', join(dir, 'e.out'), '--parity', '1');
    expect(new Uint8Array(await readFile(join(dir, 'e.out')))).toEqual(body);
    const healed = await bucketkit('erasure', 'heal', set, '--parity', '1');
    expect(healed.stdout).toMatch(/^1 objects: 1 shards rebuilt, 1 manifests repaired, /);
    expect((await bucketkit('erasure', 'status', set, '--parity', '1')).stdout).toMatch(
      /3\+1: 0 of 4 ports down, 1 may fail\n$/,
    );
    expect(await bucketkit('erasure', 'put', join(dir, 'disk0'), 'x', join(dir, 'e.bin'))).toMatchObject({
      code: 2,
      stderr: 'bucketkit: an erasure SET needs at least two folders or URLs\n',
    });
  }, 300_000);

  describe('datasets: rm-range, and the messages', () => {
    beforeAll(async () => {
      await writeFile(join(dir, '1-100.tar'), tarOf(1, 100));
      await writeFile(join(dir, '101-110.tar'), tarOf(101, 110));
      await writeFile(
        join(dir, 'gap.tar'),
        tarBytes([pointName(200), pointName(202)].map((name) => ({ name, body: new Uint8Array(1) }))),
      );
      await writeFile(join(dir, 'frames.tgz'), gzipSync(tarOf(1, 3)));
    });

    it('reports the datapoint out of order at its own entry, with the code once', async () => {
      await bucketkit('datasets', 'create', url, 'msgs');
      expect(await bucketkit('datasets', 'upload', url, 'msgs', join(dir, 'gap.tar'))).toMatchObject({
        code: 1,
        stderr: `bucketkit: InvalidArgument: entry 1 ("${pointName(202)}"): datapoint 202 where 201 was due\n`,
      });
    }, 120_000);

    it('says a .tgz is gzip-compressed', async () => {
      expect(await bucketkit('datasets', 'upload', url, 'msgs', join(dir, 'frames.tgz'))).toMatchObject({
        code: 1,
        stderr:
          'bucketkit: InvalidArgument: the archive is compressed with gzip (a .tgz or .tar.gz), not a TAR; decompress it first (gunzip) and give the .tar\n',
      });
    }, 120_000);

    it('reports an overlapping upload by the archive, not as datarange 1..1', async () => {
      expect((await bucketkit('datasets', 'upload', url, 'msgs', join(dir, '1-100.tar'))).code).toBe(0);
      expect(await bucketkit('datasets', 'upload', url, 'msgs', join(dir, '1-100.tar'))).toMatchObject({
        code: 1,
        stderr:
          'bucketkit: InvalidArgument: the archive starts at datapoint 1, inside committed datarange 1..100 of msgs; a datapoint is stored once: upload from 101 on, or remove that datarange first\n',
      });
    }, 120_000);

    it('rm names rm-range, which removes whole dataranges', async () => {
      await bucketkit('datasets', 'upload', url, 'msgs', join(dir, '101-110.tar'));
      expect(await bucketkit('datasets', 'rm', url, 'msgs')).toMatchObject({
        code: 1,
        stderr:
          'bucketkit: PreconditionFailed: dataset msgs still has 2 dataranges; remove them first (bucketkit datasets rm-range URL msgs 1 110, or removeDataranges())\n',
      });
      expect(await bucketkit('datasets', 'rm-range', url, 'msgs', '1', '105')).toMatchObject({
        code: 1,
        stderr:
          'bucketkit: InvalidArgument: datarange 101..110 of msgs reaches outside 1..105; dataranges are removed whole: remove 1..110\n',
      });
      const removed = await bucketkit('datasets', 'rm-range', url, 'msgs', '1', '110');
      expect(removed.stdout).toMatch(
        /^removed 1\.\.100\t.*\nremoved 101\.\.110\t.*\nremoved 2 dataranges, 110 datapoints\n$/,
      );
      expect((await bucketkit('datasets', 'rm', url, 'msgs')).stdout).toBe('deleted msgs\n');
      const port = connect(url);
      const left: string[] = [];
      for await (const entry of port.list({ prefix: 'datas3t/msgs/dataranges/' })) {
        if (entry.type === 'object') left.push(entry.key);
      }
      expect(left).toEqual([]);
    }, 180_000);
  });

  describe('S3 messages', () => {
    let gateway: ListeningGateway;
    beforeAll(async () => {
      gateway = await createGateway({
        buckets: staticBuckets({ present: memoryStorage() }),
        credentials: [{ accessKeyId: 'GATEWAYKEY', secretAccessKey: 'gateway-secret' }],
      }).listen(0);
    });
    afterAll(() => gateway?.close());

    it('a wrong secret says what to check, in one sentence, without the SDK Node warning', async () => {
      const host = gateway.endpoint.replace('http://', '');
      const result = await bucketkit('get', `http://GATEWAYKEY:wrong@${host}/present`, 'a.txt');
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'bucketkit: AccessDenied: GetObject "a.txt" in bucket "present" failed (SignatureDoesNotMatch 403): The request signature we calculated does not match the signature you provided. Check your key and signing method. Check the access key, secret and the bucket policy\n',
      });
    }, 60_000);

    it('never echoes a secret, even one holding @', async () => {
      const result = await bucketkit('ls', 'http://KEY:p@ss@127.0.0.1:9/Bad_Bucket');
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'bucketkit: InvalidUrl: cannot connect to "http://KEY:***@127.0.0.1:9/Bad_Bucket": the bucket "Bad_Bucket" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)\n',
      });
    }, 60_000);
  });
});
