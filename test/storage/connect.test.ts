import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketkitError, connect } from '../../src/index.js';
import { type S3Server, startCephRgw } from '../support/servers.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return BucketkitError.is(err) ? err.code : `untyped: ${err}`;
  }
};

describe('connect(url)', () => {
  it('memory:// gives one shared store per name', async () => {
    await connect('memory://shared').put('k', 'v');
    expect(await (await connect('memory://shared').get('k')).text()).toBe('v');
    expect(
      BucketkitError.is(
        await connect('memory://other')
          .head('k')
          .catch((e) => e),
        'NotFound',
      ),
    ).toBe(true);
  });

  it('file:// accepts absolute and relative paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bk-connect-'));
    try {
      await connect(`file://${dir}`).put('a.txt', 'abs');
      expect(await (await connect(`file://${dir}`).get('a.txt')).text()).toBe('abs');
      const relative = connect('file://./.tmp/connect-test');
      expect(relative.name).toBe(`file:${join(process.cwd(), '.tmp/connect-test')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm('.tmp/connect-test', { recursive: true, force: true });
    }
  });

  it('names the wrong part of a bad URL, and hides the secret', () => {
    const cases: [string, RegExp][] = [
      ['no-scheme', /no scheme/],
      ['ftp://host/bucket', /scheme "ftp:"/],
      ['file://', /path is empty/],
      ['s3://', /bucket is missing/],
      ['s3://Bad_Bucket/x', /not a valid S3 bucket name/],
      ['http://127.0.0.1:9000/', /bucket is missing/],
      ['http://key@127.0.0.1:9000/bucket', /no secret/],
      ['http://key:s3cr3t@127.0.0.1:9000/UPPER', /not a valid S3 bucket name/],
    ];
    for (const [url, why] of cases) {
      let error: unknown;
      try {
        connect(url);
      } catch (err) {
        error = err;
      }
      expect(BucketkitError.is(error, 'InvalidUrl'), url).toBe(true);
      expect((error as Error).message).toMatch(why);
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });

  it('never crashes on arbitrary strings: a port or a typed InvalidUrl', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `s3://${s}`),
          fc.string().map((s) => `http://${s}`),
          fc.string().map((s) => `memory://${s}`),
        ),
        (url) => {
          expect(['ok', 'InvalidUrl']).toContain(codeOf(() => connect(url, { env: {} })));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('s3:// reads credentials and region from AWS_* variables when the URL has none', () => {
    const port = connect('s3://my-bucket/some/prefix?region=eu-west-1', {
      env: { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    expect(port.name).toBe('s3:my-bucket/some/prefix/');
  });

  describe('against Ceph RGW', () => {
    let server: S3Server;
    beforeAll(async () => {
      server = await startCephRgw();
    }, 300_000);
    afterAll(() => server?.stop());

    it('http://KEY:SECRET@host:port/bucket/prefix stores under the prefix', async () => {
      const host = server.endpoint.replace('http://', '');
      const secret = encodeURIComponent(server.secretAccessKey);
      const scoped = connect(`http://${server.accessKeyId}:${secret}@${host}/${server.bucket}/tenant-a`);
      await scoped.put('doc.json', '{"a":1}');
      const whole = connect(`http://${server.accessKeyId}:${secret}@${host}/${server.bucket}`);
      expect(await (await whole.get('tenant-a/doc.json')).text()).toBe('{"a":1}');
      const listed = [];
      for await (const entry of scoped.list()) listed.push(entry);
      expect(listed).toMatchObject([{ type: 'object', key: 'doc.json' }]);
      expect((await scoped.capabilities()).conditionalWrites).toBe(true);
    });

    it('falls back to AWS_ENDPOINT_URL and AWS_* credentials for s3://bucket', async () => {
      const port = connect(`s3://${server.bucket}/env`, {
        env: {
          AWS_ENDPOINT_URL: server.endpoint,
          AWS_ACCESS_KEY_ID: server.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        },
      });
      await port.put('x', 'from env');
      expect(await (await port.get('x')).text()).toBe('from env');
    });
  });
});
