import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_KEY, matrixGateway } from './matrix/fixture.js';
import { sigV4Fields } from './post/sign.js';
import { errorCode, type RawRequest, signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY } from './support.js';

/**
 * Hostile input to users, ACLs, policies, browser uploads and encryption (issue #19 item 8): each case
 * gets S3's error code and status, stores nothing (the bucket's listing and its folder on disk are
 * unchanged) and the next ordinary request is served. Then random bytes go to the same parsers
 * (fast-check, the suite's pinned seed): always a 4xx, never a 5xx or a dropped connection.
 */
const m = matrixGateway();
const BUCKET = 'hostile';
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const md5b64 = (text: string | Buffer) => createHash('md5').update(text).digest('base64');
const request = (r: RawRequest) => signedRequest(m.gw.endpoint, r);

async function folder(): Promise<string[]> {
  return (await readdir(join(m.gw.root, BUCKET), { recursive: true })).map(String).sort();
}

/** Sends the request, checks the answer, that nothing was stored, and that a plain GET still works. */
async function refused(r: RawRequest, status: number, code: string): Promise<void> {
  const before = await folder();
  const res = await request(r);
  expect([res.status, errorCode(res)], `${r.method} ${r.path}?${r.query ?? ''}`).toEqual([status, code]);
  expect(await folder()).toEqual(before);
  const next = await request({ method: 'GET', path: `/${BUCKET}/kept.txt` });
  expect([next.status, next.body]).toEqual([200, 'kept']);
}

const conditionPolicy = (values: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { StringLike: { 's3:prefix': Array.from({ length: values }, (_, i) => `prefix-${i}/*`) } },
      },
    ],
  });

describe('hostile identity, policy, form and encryption input', () => {
  it('setup: a bucket with one object', async () => {
    expect((await request({ method: 'PUT', path: `/${BUCKET}` })).status).toBe(200);
    expect((await request({ method: 'PUT', path: `/${BUCKET}/kept.txt`, body: 'kept' })).status).toBe(200);
  });

  it('forged owners: an ACL document naming another owner, a grant to a user who does not exist', async () => {
    const acl = (owner: string) =>
      `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>bob</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    await refused(
      { method: 'PUT', path: `/${BUCKET}/kept.txt`, query: 'acl=', body: acl('bob') },
      403,
      'AccessDenied',
    );
    await refused(
      { method: 'PUT', path: `/${BUCKET}`, query: 'acl=', body: acl('bob') },
      403,
      'AccessDenied',
    );
    const grant = { 'x-amz-grant-full-control': 'id=mallory' };
    await refused(
      { method: 'PUT', path: `/${BUCKET}/forged.txt`, body: 'x', headers: grant },
      400,
      'InvalidArgument',
    );
    await refused(
      { method: 'POST', path: `/${BUCKET}/forged.bin`, query: 'uploads=', headers: grant },
      400,
      'InvalidArgument',
    );
    // and bob holds nothing: his key still cannot read the object
    const bob = await request({
      method: 'GET',
      path: `/${BUCKET}/kept.txt`,
      accessKey: 'AKMATRIXBOB',
      secret: 'bob-matrix-secret-0123456789',
    });
    expect(bob.status).toBe(403);
  });

  it('policies: 20 KiB of conditions is PolicyTooLarge (S3 limits bucket policies to 20 KB), just under is taken; malformed JSON is MalformedPolicy', async () => {
    const large = conditionPolicy(1400);
    expect(large.length).toBeGreaterThan(20 * 1024);
    await refused(
      { method: 'PUT', path: `/${BUCKET}`, query: 'policy=', body: large },
      400,
      'PolicyTooLarge',
    );
    for (const body of [
      '{"Version": "2012-10-17", "Statement": [',
      'null',
      '[]',
      '{"Statement": "all"}',
      '\u0000\u00ff',
    ]) {
      await refused({ method: 'PUT', path: `/${BUCKET}`, query: 'policy=', body }, 400, 'MalformedPolicy');
    }
    const missing = await request({ method: 'GET', path: `/${BUCKET}`, query: 'policy=' });
    expect([missing.status, errorCode(missing)]).toEqual([404, 'NoSuchBucketPolicy']);
    const under = conditionPolicy(1000);
    expect(under.length).toBeLessThan(20 * 1024);
    expect((await request({ method: 'PUT', path: `/${BUCKET}`, query: 'policy=', body: under })).status).toBe(
      204,
    );
    expect((await request({ method: 'DELETE', path: `/${BUCKET}`, query: 'policy=' })).status).toBe(204);
  });

  it('browser uploads: an oversized field, two thousand fields, a file beyond content-length-range', async () => {
    const keys = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
    const signed = sigV4Fields(
      [{ bucket: BUCKET }, ['starts-with', '$key', 'post/'], ['content-length-range', 1, 100]],
      keys,
    );
    const form = (fields: Record<string, string>, file: string) => {
      const boundary = 'HostileBoundary';
      const parts = Object.entries(fields).map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
      const body = `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n${file}\r\n--${boundary}--\r\n`;
      return {
        method: 'POST',
        path: `/${BUCKET}`,
        body,
        anonymous: true,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      };
    };
    await refused(
      form({ key: 'post/a', 'x-amz-meta-pad': 'p'.repeat(30_000), ...signed }, 'x'),
      400,
      'MaxPostPreDataLengthExceededError',
    );
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x-ignore-${i}`, 'v'.repeat(8)]));
    await refused(form({ key: 'post/b', ...many, ...signed }, 'x'), 400, 'MaxPostPreDataLengthExceededError');
    await refused(form({ key: 'post/c', ...signed }, 'y'.repeat(101)), 400, 'EntityTooLarge');
    const fine = await request(form({ key: 'post/d', ...signed }, 'z'.repeat(100)));
    expect(fine.status).toBe(204);
    expect((await request({ method: 'DELETE', path: `/${BUCKET}/post/d` })).status).toBe(204);
  });

  it('SSE-C with a wrong key length, a wrong key MD5, no algorithm, another algorithm — on PUT, Create, UploadPart and Complete', async () => {
    const key = b64(CUSTOMER_KEY);
    const cases: Array<[Record<string, string>, string]> = [
      [{ algorithm: 'AES256', key: b64('short key'), 'key-md5': md5b64('short key') }, 'InvalidArgument'],
      [
        { algorithm: 'AES256', key: b64(`${CUSTOMER_KEY}!`), 'key-md5': md5b64(`${CUSTOMER_KEY}!`) },
        'InvalidArgument',
      ],
      [{ algorithm: 'AES256', key, 'key-md5': md5b64('another key') }, 'InvalidArgument'],
      [{ algorithm: 'AES256', key, 'key-md5': 'not base64 at all' }, 'InvalidArgument'],
      [{ key, 'key-md5': md5b64(CUSTOMER_KEY) }, 'InvalidArgument'],
      [{ algorithm: 'AES256', 'key-md5': md5b64(CUSTOMER_KEY) }, 'InvalidArgument'],
      [{ algorithm: 'AES128', key, 'key-md5': md5b64(CUSTOMER_KEY) }, 'InvalidEncryptionAlgorithmError'],
    ];
    const { body } = await request({ method: 'POST', path: `/${BUCKET}/mp.bin`, query: 'uploads=' });
    const uploadId = /<UploadId>(\w+)<\/UploadId>/.exec(body)![1]!;
    // an SSE-C upload with one part, which each Complete below must leave uncompleted
    const good = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key,
      'x-amz-server-side-encryption-customer-key-md5': md5b64(CUSTOMER_KEY),
    };
    const created = await request({
      method: 'POST',
      path: `/${BUCKET}/ssec-mp.bin`,
      query: 'uploads=',
      headers: good,
    });
    const sealedId = /<UploadId>(\w+)<\/UploadId>/.exec(created.body)![1]!;
    const part = await request({
      method: 'PUT',
      path: `/${BUCKET}/ssec-mp.bin`,
      query: `partNumber=1&uploadId=${sealedId}`,
      body: 'SSEC-COMPLETE-PART',
      headers: good,
    });
    expect(part.status).toBe(200);
    const complete = (headers: Record<string, string>): RawRequest => ({
      method: 'POST',
      path: `/${BUCKET}/ssec-mp.bin`,
      query: `uploadId=${sealedId}`,
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`,
      headers,
    });
    for (const [fields, code] of cases) {
      const headers = Object.fromEntries(
        Object.entries(fields).map(([name, value]) => [
          `x-amz-server-side-encryption-customer-${name}`,
          value,
        ]),
      );
      await refused({ method: 'PUT', path: `/${BUCKET}/c.txt`, body: 'secret', headers }, 400, code);
      await refused({ method: 'POST', path: `/${BUCKET}/c.bin`, query: 'uploads=', headers }, 400, code);
      await refused(
        {
          method: 'PUT',
          path: `/${BUCKET}/mp.bin`,
          query: `partNumber=1&uploadId=${uploadId}`,
          body: 'part',
          headers,
        },
        400,
        code,
      );
      await refused(complete(headers), 400, code);
    }
    // a well-formed key that is not the upload's: 403, nothing stored; then Complete without a key, as S3
    const other = 'another-customer-key-32-bytes-ok';
    await refused(
      complete({
        ...good,
        'x-amz-server-side-encryption-customer-key': b64(other),
        'x-amz-server-side-encryption-customer-key-md5': md5b64(other),
      }),
      403,
      'AccessDenied',
    );
    expect((await request(complete({}))).status).toBe(200);
    expect((await request({ method: 'GET', path: `/${BUCKET}/ssec-mp.bin`, headers: good })).body).toBe(
      'SSEC-COMPLETE-PART',
    );
    expect(
      (await request({ method: 'DELETE', path: `/${BUCKET}/mp.bin`, query: `uploadId=${uploadId}` })).status,
    ).toBe(204);
  });

  it('random bytes to the ACL, policy, form and customer-key parsers: always a 4xx, nothing stored, still serving', async () => {
    const before = await folder();
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 });
    const headerText = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));
    await fc.assert(
      fc.asyncProperty(bytes, headerText, fc.integer({ min: 0, max: 3 }), async (body, text, target) => {
        const r: RawRequest = [
          { method: 'PUT', path: `/${BUCKET}/kept.txt`, query: 'acl=', body },
          { method: 'PUT', path: `/${BUCKET}`, query: 'policy=', body },
          {
            method: 'POST',
            path: `/${BUCKET}`,
            body,
            anonymous: true,
            headers: { 'content-type': 'multipart/form-data; boundary=Fuzz' },
          },
          {
            method: 'PUT',
            path: `/${BUCKET}/fuzz.txt`,
            body,
            headers: {
              'x-amz-server-side-encryption-customer-algorithm': 'AES256',
              'x-amz-server-side-encryption-customer-key': text,
              'x-amz-server-side-encryption-customer-key-md5': md5b64(text),
            },
          },
        ][target]!;
        const res = await request(r);
        expect(res.status, `${r.method} ${r.query ?? ''} → ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(
          400,
        );
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 80 },
    );
    expect(await folder()).toEqual(before);
    const next = await request({ method: 'GET', path: `/${BUCKET}/kept.txt` });
    expect([next.status, next.body]).toEqual([200, 'kept']);
  }, 60_000);
});
