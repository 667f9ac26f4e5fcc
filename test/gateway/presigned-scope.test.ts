import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDebian } from '../support/debian.js';
import { awsCliEnv, cleanEnv, run } from './clients-fixture.js';
import { signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * A presigned URL authorises exactly what it was signed for: the bucket and key the gateway routes
 * the request to, and only the operation that was signed (issue #14, finding 4).
 */

interface Answer {
  status: number;
  body: string;
}

/** Sends `pathAndQuery` to the gateway with any Host header (fetch cannot set Host). */
function sendWithHost(endpoint: string, pathAndQuery: string, host: string, method = 'GET'): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path: pathAndQuery, headers: { host }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe('presigned URLs are scoped to the routed bucket, key and operation', () => {
  let gw: TestGateway;
  let s3: S3Client;
  let work: string;
  let awsEnv: Record<string, string | undefined>;
  const SECRET = 'bucket private, key secret.txt: must never leak';
  const OWN = 'bucket bkt, key private/secret.txt';

  /** `aws s3 presign` of the Debian awscli v2 (Signature Version 4). */
  const awsPresign = async (s3Url: string, endpoint = gw.endpoint) => {
    requireDebian('awscli');
    return (
      await run('/usr/bin/aws', ['--endpoint-url', endpoint, 's3', 'presign', s3Url, '--expires-in', '600'], {
        env: awsEnv,
        timeout: 120_000,
      })
    ).stdout.trim();
  };

  /** `s3cmd signurl` (always Signature Version 2), path style or virtual-hosted under `hostBucket`. */
  const s3cmdSignurl = async (s3Url: string, hostBucket?: string) => {
    requireDebian('s3cmd');
    const host = new URL(gw.endpoint).host;
    const config = join(work, `s3cfg-${hostBucket ? 'vhost' : 'path'}`);
    await writeFile(
      config,
      [
        '[default]',
        `access_key = ${ACCESS_KEY}`,
        `secret_key = ${SECRET_KEY}`,
        `host_base = ${hostBucket ? hostBucket.replace('%(bucket)s.', '') : host}`,
        `host_bucket = ${hostBucket ?? host}`,
        'use_https = False',
        '',
      ].join('\n'),
    );
    return (
      await run('s3cmd', ['-c', config, 'signurl', s3Url, '+600'], { env: cleanEnv, timeout: 120_000 })
    ).stdout.trim();
  };

  beforeAll(async () => {
    gw = await startGateway({ hostSuffixes: ['vhost.test'] });
    s3 = sdkClient(gw.endpoint);
    work = await mkdtemp(join(tmpdir(), 'bk-presign-scope-'));
    awsEnv = awsCliEnv(work);
    for (const bucket of ['bkt', 'private']) {
      expect((await signedRequest(gw.endpoint, { method: 'PUT', path: `/${bucket}` })).status).toBe(200);
    }
    await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'secret.txt', Body: SECRET }));
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'private/secret.txt', Body: OWN }));
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'private', Body: 'a key named private' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('SigV2 (s3cmd signurl): the URL opens its own object and nothing else', async () => {
    {
      const url = await s3cmdSignurl('s3://bkt/private/secret.txt');
      expect(url).toContain('AWSAccessKeyId=');
      expect(await (await fetch(url)).text()).toBe(OWN);
      const { search } = new URL(url);
      // the Host trick: /private/secret.txt routes to bucket "private", key "secret.txt"
      const trick = await sendWithHost(gw.endpoint, `/private/secret.txt${search}`, 'bkt.example');
      expect(trick.body).not.toContain(SECRET);
      expect(trick.status).toBe(403);
      expect(trick.body).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
      const trickPort = await sendWithHost(gw.endpoint, `/private/secret.txt${search}`, 'bkt.example:80');
      expect(trickPort.status).toBe(403);
    }
  });

  it('SigV2: a URL signed for key "private" cannot list bucket "private" (or any bucket)', async () => {
    const url = await s3cmdSignurl('s3://bkt/private');
    expect(await (await fetch(url)).text()).toBe('a key named private');
    const { search } = new URL(url);
    for (const extra of ['', '&prefix=', '&list-type=2', '&list-type=2&prefix=secret']) {
      const listing = await sendWithHost(gw.endpoint, `/private${search}${extra}`, 'bkt.example');
      expect(listing.body).not.toContain('secret.txt');
      expect(listing.status).toBe(403);
    }
  });

  it('SigV2: unsigned query parameters that would change the operation are refused', async () => {
    const url = await s3cmdSignurl('s3://bkt/private');
    for (const extra of [
      '&prefix=',
      '&list-type=2',
      '&attributes',
      '&x-id=ListObjects',
      '&select&select-type=2',
    ]) {
      const res = await fetch(url + extra);
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>/);
    }
  });

  it('SigV2: virtual-hosted URLs still work when the gateway routes by Host', async () => {
    const port = new URL(gw.endpoint).port;
    const url = await s3cmdSignurl('s3://bkt/private/secret.txt', `%(bucket)s.vhost.test:${port}`);
    expect(new URL(url).hostname).toBe('bkt.vhost.test');
    const ok = await sendWithHost(gw.endpoint, pathOf(url), `bkt.vhost.test:${port}`);
    expect(ok).toEqual({ status: 200, body: OWN });
    // the same signature sent to another bucket's virtual host fails
    const other = await sendWithHost(gw.endpoint, pathOf(url), `private.vhost.test:${port}`);
    expect(other.status).toBe(403);
    expect(other.body).not.toContain(SECRET);
  });

  it('SigV4 (aws cli): the Host trick fails, the host is signed', async () => {
    const url = await awsPresign('s3://bkt/private/secret.txt');
    expect(url).toContain('X-Amz-Signature=');
    expect(await (await fetch(url)).text()).toBe(OWN);
    const trick = await sendWithHost(gw.endpoint, `/private/secret.txt${new URL(url).search}`, 'bkt.example');
    expect(trick.status).toBe(403);
    expect(trick.body).not.toContain(SECRET);
  });

  /** Appending any auth parameter a second time (same value or another) must refuse the request. */
  async function refusesDuplicates(url: string, names: readonly string[]): Promise<void> {
    const params = new URL(url).searchParams;
    for (const name of names) {
      for (const value of [params.get(name)!, '00']) {
        const res = await fetch(`${url}&${name}=${encodeURIComponent(value)}`);
        const text = await res.text();
        expect(res.status, `${name}=${value}`).toBe(400);
        expect(text).toMatch(/<Code>AuthorizationQueryParametersError<\/Code>/);
        expect(text).not.toContain(OWN);
      }
    }
  }

  it('duplicate auth query parameters are refused (SigV4 from the SDK and aws cli, SigV2), nothing served', async () => {
    const sdkUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'bkt', Key: 'private/secret.txt' }),
      {
        expiresIn: 600,
      },
    );
    const v4Names = [
      'X-Amz-Signature',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Algorithm',
    ];
    for (const v4 of [sdkUrl, await awsPresign('s3://bkt/private/secret.txt')]) {
      expect(await (await fetch(v4)).text()).toBe(OWN);
      await refusesDuplicates(v4, v4Names);
      // the same parameter spelled with a %-escape is the same parameter
      expect((await fetch(`${v4}&X-Amz-Signatur%65=00`)).status).toBe(400);
    }
    const v2 = await s3cmdSignurl('s3://bkt/private/secret.txt');
    expect(await (await fetch(v2)).text()).toBe(OWN);
    await refusesDuplicates(v2, ['AWSAccessKeyId', 'Signature', 'Expires']);
  });
});
