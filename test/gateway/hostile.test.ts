import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileStorage } from '../../src/index.js';
import { errorCode, signedRequest } from './raw.js';
import { MIB, sdkClient, startGateway, type TestGateway } from './support.js';

/** Every file under a folder, relative to it (the gateway's data and any leftovers). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('hostile input', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const bucket = 'hostile';
  const stored = () => filesUnder(join(gw.root, bucket));
  beforeAll(async () => {
    gw = await startGateway({
      limits: { maxObjectSize: 8 * MIB, idleTimeoutMs: 1_000, maxHeaderSize: 8 * 1024 },
    });
    s3 = sdkClient(gw.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  /** After each attack the server must still answer a well-formed request. */
  async function stillServing(): Promise<void> {
    const res = await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}`, query: 'list-type=2' });
    expect(res.status).toBe(200);
  }

  it('wrong secret → 403 SignatureDoesNotMatch, nothing stored', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'x',
      secret: 'wrong',
    });
    expect([res.status, errorCode(res)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await stored()).toEqual([]);
    await stillServing();
  });

  it('unknown access key → 403 InvalidAccessKeyId', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'x',
      accessKey: 'AKIDNOBODY',
    });
    expect([res.status, errorCode(res)]).toEqual([403, 'InvalidAccessKeyId']);
    expect(await stored()).toEqual([]);
  });

  it('no signature at all → 403 AccessDenied (anonymous access is off)', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'x',
      anonymous: true,
    });
    expect([res.status, errorCode(res)]).toEqual([403, 'AccessDenied']);
    expect(await stored()).toEqual([]);
  });

  it('a signed header changed after signing → 403 SignatureDoesNotMatch', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'x',
      headers: { 'x-amz-meta-owner': 'alice' },
      tamper: (r) => {
        r.headers['x-amz-meta-owner'] = 'mallory';
      },
    });
    expect([res.status, errorCode(res)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await stored()).toEqual([]);
  });

  it('a body changed after signing (same length) → 400 XAmzContentSHA256Mismatch, nothing stored', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'the real body',
      tamper: (r) => {
        r.body = new TextEncoder().encode('a forged body');
      },
    });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('XAmzContentSHA256Mismatch');
    expect(await stored()).toEqual([]);
    await stillServing();
  });

  it('a wrong Content-MD5 → 400 BadDigest, nothing stored', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/k`,
      body: 'checked body',
      headers: { 'content-md5': Buffer.alloc(16).toString('base64') },
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'BadDigest']);
    expect(await stored()).toEqual([]);
  });

  it('an expired presigned URL → 403 AccessDenied', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'presigned', Body: 'secret data' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'presigned' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>/);
  });

  it('a presigned GET replayed as a PUT → 403 SignatureDoesNotMatch, object unchanged', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'presigned' }), {
      expiresIn: 60,
    });
    const res = await fetch(url, { method: 'PUT', body: 'overwritten' });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    expect(await (await fetch(url)).text()).toBe('secret data');
  });

  it('headers larger than the limit → 431, and the server keeps serving', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${bucket}/presigned`,
      headers: { 'x-amz-meta-big': 'x'.repeat(16 * 1024) },
    }).catch((err: Error) => ({ status: -1, body: err.message, headers: {} }));
    expect([431, -1]).toContain(res.status);
    await stillServing();
  });

  it('malformed XML in DeleteObjects → 400 MalformedXML, nothing deleted', async () => {
    const before = await stored();
    expect(before).toContain('presigned~');
    for (const body of [
      '<Delete><Object><Key>presigned</Key></Object>',
      '<Delete><Object><Key>a</Wrong></Object></Delete>',
      'not xml',
    ]) {
      const res = await signedRequest(gw.endpoint, {
        method: 'POST',
        path: `/${bucket}`,
        query: 'delete=',
        body,
      });
      expect([res.status, errorCode(res)]).toEqual([400, 'MalformedXML']);
    }
    expect(await stored()).toEqual(before);
  });

  it('an XML entity bomb (DTD) → 400 MalformedXML', async () => {
    const body =
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>';
    const res = await signedRequest(gw.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      query: 'delete=',
      body,
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'MalformedXML']);
  });

  it('XML nested thousands deep → 400 MalformedXML (no stack overflow)', async () => {
    const body = `<Delete>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</Delete>`;
    const res = await signedRequest(gw.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      query: 'delete=',
      body,
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'MalformedXML']);
  });

  it('keys with ".." and encoded slashes stay inside the bucket as ordinary keys', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/..%2F..%2F..%2Fescaped`,
      body: 'dots',
    });
    expect(res.status).toBe(200);
    const everything = await filesUnder(gw.root);
    expect(everything.every((path) => path.startsWith(`${bucket}/`))).toBe(true);
    expect(await readdir(join(gw.root, '..'))).not.toContain('escaped');
    const back = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${bucket}/..%2F..%2F..%2Fescaped`,
    });
    expect(back.body).toBe('dots');
    const listed = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${bucket}`,
      query: 'list-type=2&prefix=..',
    });
    expect(listed.body).toContain('<Key>../../../escaped</Key>');
  });

  it('a NUL in a key is stored and read back as an ordinary character, never cutting a path', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/nul%00byte`,
      body: 'nul',
    });
    expect(res.status).toBe(200);
    const back = await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}/nul%00byte` });
    expect(back.body).toBe('nul');
    const cut = await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}/nul` });
    expect(cut.status).toBe(404);
  });

  it('a bucket name that tries to climb out → 400 InvalidBucketName or 404, nothing created', async () => {
    const climb = await signedRequest(gw.endpoint, { method: 'PUT', path: '/..%2F..%2Ftmp' });
    expect([climb.status, errorCode(climb)]).toEqual([400, 'InvalidBucketName']);
    const read = await signedRequest(gw.endpoint, { method: 'GET', path: '/..%2Fhostile/presigned' });
    expect([read.status, errorCode(read)]).toEqual([404, 'NoSuchBucket']);
  });

  it('keys under the gateway’s reserved prefix are refused', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/.bucketkit-gateway/uploads/x/upload`,
      body: '{}',
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'InvalidArgument']);
  });

  it('a key that climbs out of a long segment cannot write under the reserved prefix (issue 14)', async () => {
    // 200 bytes, then `..`: the rest of the segment once named the folder `..` on the file port
    const climb = `${'A'.repeat(200)}../.bucketkit-gateway/uploads/x/upload`;
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/${climb.split('/').map(encodeURIComponent).join('/')}`,
      body: '{"key":"forged"}',
    });
    expect(res.status).toBe(200);
    const files = await stored();
    expect(files.filter((f) => f.startsWith('%2Ebucketkit-gateway'))).toEqual([]);
    const port = fileStorage(join(gw.root, bucket));
    await expect(port.head('.bucketkit-gateway/uploads/x/upload')).rejects.toMatchObject({
      code: 'NotFound',
    });
    expect(await (await port.get(climb)).text()).toBe('{"key":"forged"}');
    await port.delete(climb);
  });

  it('a malformed %-escape in the path → 400 InvalidURI', async () => {
    const res = await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}/bad%zzescape` });
    expect([res.status, errorCode(res)]).toEqual([400, 'InvalidURI']);
  });

  it('a forged continuation token and a non-numeric max-keys → 400 InvalidArgument', async () => {
    const token = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${bucket}`,
      query: 'continuation-token=Zm9yZ2Vk&list-type=2',
    });
    expect([token.status, errorCode(token)]).toEqual([400, 'InvalidArgument']);
    const keys = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: `/${bucket}`,
      query: 'list-type=2&max-keys=-1',
    });
    expect([keys.status, errorCode(keys)]).toEqual([400, 'InvalidArgument']);
  });

  it('a body over the object size limit → 400 EntityTooLarge, nothing stored', async () => {
    const before = await stored();
    const res = await signedRequest(gw.endpoint, {
      method: 'PUT',
      path: `/${bucket}/too-big`,
      body: new Uint8Array(9 * MIB),
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'EntityTooLarge']);
    expect(await stored()).toEqual(before);
  });

  it('a client that stops mid-body → nothing stored, no temp files left, others unaffected', async () => {
    const before = await stored();
    const url = new URL(gw.endpoint);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    // a valid signature over UNSIGNED-PAYLOAD; the body then stops at 1 of the declared 4 MiB
    const head = await captureSignedHead(gw.endpoint, `/${bucket}/half`, 4 * MIB);
    socket.write(head);
    socket.write(Buffer.alloc(MIB, 1));
    await stillServing();
    socket.destroy();
    // the server reclaims the temp file once it sees the close; on a loaded machine that can take a while
    await vi.waitFor(async () => expect(await stored()).toEqual(before), { timeout: 10_000, interval: 50 });
    const missing = await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}/half` });
    expect(missing.status).toBe(404);
  });

  it('a client that goes silent mid-request is cut off by the idle timeout while others are served', async () => {
    const url = new URL(gw.endpoint);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(await captureSignedHead(gw.endpoint, `/${bucket}/slow`, MIB));
    const closed = new Promise<number>((resolve) => {
      const started = Date.now();
      socket.once('close', () => resolve(Date.now() - started));
      socket.on('error', () => {});
    });
    await stillServing();
    expect(await closed).toBeLessThan(5_000);
    expect((await signedRequest(gw.endpoint, { method: 'GET', path: `/${bucket}/slow` })).status).toBe(404);
  });
});

/** The head of a signed PUT (UNSIGNED-PAYLOAD) declaring `length` bytes, as raw HTTP text. */
async function captureSignedHead(endpoint: string, path: string, length: number): Promise<string> {
  let head = '';
  await signedRequest(endpoint, {
    method: 'PUT',
    path,
    payloadHash: 'UNSIGNED-PAYLOAD',
    headers: { 'content-length': String(length) },
    tamper: (r) => {
      head = `PUT ${path} HTTP/1.1\r\n${Object.entries(r.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`;
      // do not send this one: the caller writes the head itself
      r.headers['content-length'] = '0';
    },
  }).catch(() => undefined);
  return head;
}
