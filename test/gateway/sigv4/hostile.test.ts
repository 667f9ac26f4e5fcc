import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticate } from '../../../src/gateway/sigv4/index.js';
import { client, drain, failure, OPTIONS, type Recorded, replay, startRecorder } from './support.js';

let recorder: Awaited<ReturnType<typeof startRecorder>>;
let s3: S3Client;
const body = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(500));

beforeAll(async () => {
  recorder = await startRecorder();
  s3 = client(recorder.endpoint);
});
afterAll(async () => {
  s3.destroy();
  await recorder.close();
});

async function record(send: () => Promise<unknown>): Promise<Recorded> {
  await send();
  return recorder.requests.at(-1)!;
}
const signedPut = () =>
  record(() =>
    s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, Metadata: { owner: 'alice' } })),
  );
const trailerPut = () =>
  record(() =>
    s3.send(
      new PutObjectCommand({
        Bucket: 'b',
        Key: 'k',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    ),
  );
const presigned = async (command: GetObjectCommand | PutObjectCommand, expiresIn = 60) => {
  const url = new URL(await getSignedUrl(s3, command, { expiresIn }));
  return { method: command instanceof GetObjectCommand ? 'GET' : 'PUT', url: url.pathname + url.search };
};
const withHeaders = (rec: Recorded, headers: Record<string, string | undefined>): Recorded => ({
  ...rec,
  headers: { ...rec.headers, ...headers },
});
const s3Code = async (promise: Promise<unknown>) => (await failure(promise)).s3Code;
const MIN = 60_000;

describe('hostile requests get the S3 error a real S3 gives', () => {
  test('a tampered signed header, path or query is SignatureDoesNotMatch (403)', async () => {
    const rec = await signedPut();
    expect(await failure(replay(withHeaders(rec, { 'x-amz-meta-owner': 'mallory' })))).toEqual({
      code: 'AccessDenied',
      s3Code: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await s3Code(replay({ ...rec, url: rec.url.replace('/b/k', '/b/other') }))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(await s3Code(replay({ ...rec, url: `${rec.url}&acl` }))).toBe('SignatureDoesNotMatch');
    expect(await s3Code(replay({ ...rec, method: 'DELETE' }))).toBe('SignatureDoesNotMatch');
  });

  test('an added unsigned x-amz-* header is AccessDenied', async () => {
    const rec = await signedPut();
    expect(await s3Code(replay(withHeaders(rec, { 'x-amz-meta-extra': 'x' })))).toBe('AccessDenied');
  });

  test('a tampered body byte: XAmzContentSHA256Mismatch for a signed payload, BadDigest for a CRC32 trailer', async () => {
    const signed = await signedPut();
    const tampered = Buffer.from(signed.body);
    tampered[1000] = tampered[1000]! ^ 1;
    expect(await failure(replay({ ...signed, body: tampered }))).toEqual({
      code: 'Corrupt',
      s3Code: 'XAmzContentSHA256Mismatch',
      status: 400,
    });
    const trailer = await trailerPut();
    const tamperedTrailer = Buffer.from(trailer.body);
    tamperedTrailer[1000] = tamperedTrailer[1000]! ^ 1;
    expect(await s3Code(replay({ ...trailer, body: tamperedTrailer }))).toBe('BadDigest');
  });

  test('a corrupted trailer checksum is BadDigest', async () => {
    const rec = await trailerPut();
    const text = rec.body
      .toString('latin1')
      .replace(/x-amz-checksum-crc32:(\S+)/, 'x-amz-checksum-crc32:AAAAAA==');
    expect(await s3Code(replay({ ...rec, body: Buffer.from(text, 'latin1') }))).toBe('BadDigest');
  });

  test('wrong secret is SignatureDoesNotMatch, unknown key is InvalidAccessKeyId', async () => {
    const rec = await signedPut();
    expect(await s3Code(replay(rec, { secretFor: () => 'another secret' }))).toBe('SignatureDoesNotMatch');
    expect(await failure(replay(rec, { secretFor: () => undefined }))).toEqual({
      code: 'AccessDenied',
      s3Code: 'InvalidAccessKeyId',
      status: 403,
    });
  });

  test('a clock more than 15 minutes off is RequestTimeTooSkewed; within it is accepted', async () => {
    const rec = await signedPut();
    expect(await s3Code(replay(rec, { now: () => Date.now() + 16 * MIN }))).toBe('RequestTimeTooSkewed');
    expect(await s3Code(replay(rec, { now: () => Date.now() - 16 * MIN }))).toBe('RequestTimeTooSkewed');
    expect((await replay(rec, { now: () => Date.now() + 14 * MIN })).payload.equals(body)).toBe(true);
    expect(await s3Code(replay(rec, { now: () => Date.now() + 2 * MIN, clockSkewMs: MIN }))).toBe(
      'RequestTimeTooSkewed',
    );
  });

  test('an expired presigned URL is AccessDenied "Request has expired"', async () => {
    const head = await presigned(new GetObjectCommand({ Bucket: 'b', Key: 'k' }), 60);
    const headers = { host: new URL(recorder.endpoint).host };
    await expect(authenticate({ ...head, headers }, OPTIONS)).resolves.toBeTruthy();
    await expect(
      authenticate({ ...head, headers }, { ...OPTIONS, now: () => Date.now() + 2 * MIN }),
    ).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('Request has expired'),
      details: { s3Code: 'AccessDenied', status: 403 },
    });
  });

  test('a presigned URL replayed with another method or on another key is SignatureDoesNotMatch', async () => {
    const head = await presigned(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    const headers = { host: new URL(recorder.endpoint).host };
    expect(await s3Code(authenticate({ ...head, method: 'PUT', headers }, OPTIONS))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(await s3Code(authenticate({ ...head, method: 'DELETE', headers }, OPTIONS))).toBe(
      'SignatureDoesNotMatch',
    );
    const other = { ...head, url: head.url.replace('/b/k', '/b/k2') };
    expect(await s3Code(authenticate({ ...other, headers }, OPTIONS))).toBe('SignatureDoesNotMatch');
  });

  test('presigned expiry out of range is 403 AccessDenied; malformed presigned parameters are AuthorizationQueryParametersError', async () => {
    const head = await presigned(new PutObjectCommand({ Bucket: 'b', Key: 'k' }));
    const headers = { host: new URL(recorder.endpoint).host };
    const edit = (from: RegExp, to: string) =>
      authenticate({ ...head, url: head.url.replace(from, to), headers }, OPTIONS);
    // S3 (and the s3-tests conformance suite) answer an expiry out of range with 403
    for (const expires of ['604801', '0', '-7']) {
      expect(await failure(edit(/X-Amz-Expires=\d+/, `X-Amz-Expires=${expires}`))).toEqual({
        code: 'AccessDenied',
        s3Code: 'AccessDenied',
        status: 403,
      });
    }
    expect(await s3Code(edit(/X-Amz-Expires=\d+/, 'X-Amz-Expires=soon'))).toBe(
      'AuthorizationQueryParametersError',
    );
    expect(await s3Code(edit(/&X-Amz-Credential=[^&]+/, ''))).toBe('AuthorizationQueryParametersError');
    expect(await s3Code(edit(/X-Amz-Algorithm=[^&]+/, 'X-Amz-Algorithm=AWS4-HMAC-MD5'))).toBe(
      'AuthorizationQueryParametersError',
    );
    expect(await s3Code(edit(/X-Amz-Date=\d{8}/, 'X-Amz-Date=20200101'))).toBe('AccessDenied'); // long expired
  });

  test('a body shorter than Content-Length, or a client that stops mid-body, is IncompleteBody', async () => {
    const rec = await signedPut();
    expect(await failure(replay({ ...rec, body: rec.body.subarray(0, 100) }))).toEqual({
      code: 'InvalidArgument',
      s3Code: 'IncompleteBody',
      status: 400,
    });
    const trailer = await trailerPut();
    expect(
      await s3Code(replay({ ...trailer, body: trailer.body.subarray(0, trailer.body.length - 10) })),
    ).toBe('IncompleteBody');
    async function* broken() {
      yield rec.body.subarray(0, 10);
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    }
    const auth = await authenticate({ method: rec.method, url: rec.url, headers: rec.headers }, OPTIONS);
    expect(await s3Code(drain(auth, broken()))).toBe('IncompleteBody');
  });

  test('Content-MD5 and x-amz-checksum-* headers: malformed is InvalidDigest/InvalidRequest, wrong is BadDigest', async () => {
    const anonymous = { ...OPTIONS, allowAnonymous: true };
    const put = (headers: Record<string, string>) =>
      replay(
        {
          method: 'PUT',
          url: '/b/k',
          headers: { host: 'h', 'content-length': '5', ...headers },
          body: Buffer.from('hello'),
        },
        anonymous,
      );
    expect((await put({ 'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==' })).payload.toString()).toBe('hello');
    expect(await s3Code(put({ 'content-md5': 'nope' }))).toBe('InvalidDigest');
    expect(await failure(put({ 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }))).toEqual({
      code: 'Corrupt',
      s3Code: 'BadDigest',
      status: 400,
    });
    expect((await put({ 'x-amz-checksum-crc32': 'NhCmhg==' })).auth.checksums()).toEqual({
      'x-amz-checksum-crc32': 'NhCmhg==',
    });
    expect(await s3Code(put({ 'x-amz-checksum-crc32': 'NhCmhw==' }))).toBe('BadDigest');
    expect(await s3Code(put({ 'x-amz-checksum-sha256': 'NhCmhg==' }))).toBe('InvalidRequest');
    expect(await s3Code(put({ 'x-amz-content-sha256': '0'.repeat(64) }))).toBe('XAmzContentSHA256Mismatch');
    expect(await s3Code(put({ 'x-amz-content-sha256': 'SOMETHING-ELSE' }))).toBe('InvalidArgument');
  });

  test('anonymous requests are AccessDenied unless allowed', async () => {
    const head = { method: 'GET', url: '/b/k', headers: { host: 'h' } };
    expect(await failure(authenticate(head, OPTIONS))).toEqual({
      code: 'AccessDenied',
      s3Code: 'AccessDenied',
      status: 403,
    });
    const auth = await authenticate(head, { ...OPTIONS, allowAnonymous: true });
    expect(auth.accessKeyId).toBeUndefined();
  });

  test('malformed Authorization headers, wrong region, and two auth mechanisms at once', async () => {
    const rec = await signedPut();
    const auth = rec.headers.authorization as string;
    const code = (authorization: string, extra: Partial<Recorded> = {}) =>
      s3Code(replay({ ...withHeaders(rec, { authorization }), ...extra }));
    expect(await code(auth.replace('Credential=', 'Cred='))).toBe('AuthorizationHeaderMalformed');
    expect(await code(auth.replace('/s3/', '/ec2/'))).toBe('AuthorizationHeaderMalformed');
    expect(await code(auth.replace('/us-east-1/', '/eu-west-1/'))).toBe('AuthorizationHeaderMalformed');
    expect(await code(auth.replace(/Signature=\w+/, 'Signature=abc'))).toBe('AuthorizationHeaderMalformed');
    expect(await code(auth.replace(/\/\d{8}\//, '/20200101/'))).toBe('AuthorizationHeaderMalformed');
    expect(await code('AWS AKID:c2lnbmF0dXJl')).toBe('InvalidRequest');
    expect(await code(auth, { url: `${rec.url}&X-Amz-Signature=${'0'.repeat(64)}` })).toBe('InvalidArgument');
    expect(await s3Code(replay(withHeaders(rec, { 'x-amz-date': undefined })))).toBe('AccessDenied');
  });
});
