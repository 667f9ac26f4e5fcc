import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticate, type SigV4Options } from '../../../src/gateway/sigv4/index.js';

const SECRET = 'sigv2-secret';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const options: SigV4Options = {
  region: 'us-east-1',
  secretFor: (id) => (id === 'AKV2' ? SECRET : undefined),
  now: () => NOW,
};

/** A SigV2 presigned URL as s3cmd / boto2 make it. */
function presignV2(method: string, path: string, expiresAt: number, secret = SECRET): string {
  const expires = String(Math.floor(expiresAt / 1000));
  const signature = createHmac('sha1', secret).update(`${method}\n\n\n${expires}\n${path}`).digest('base64');
  return `${path}?AWSAccessKeyId=AKV2&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
}

const head = (method: string, url: string) => ({ method, url, headers: { host: '127.0.0.1:9000' } });

async function s3CodeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'accepted',
    (err: { details?: { s3Code?: string } }) => err.details?.s3Code,
  );
}

describe('Signature Version 2 presigned URLs (GET and HEAD only)', () => {
  it('accepts a valid GET and HEAD and names the caller', async () => {
    const url = presignV2('GET', '/bucket/photos/a%20b.jpg', NOW + 60_000);
    expect((await authenticate(head('GET', url), options)).accessKeyId).toBe('AKV2');
    const headUrl = presignV2('HEAD', '/bucket/photos/a%20b.jpg', NOW + 60_000);
    expect((await authenticate(head('HEAD', headUrl), options)).accessKeyId).toBe('AKV2');
  });

  it('refuses expired, tampered, wrong-secret, unknown-key, other-method and over-7-day URLs', async () => {
    const url = presignV2('GET', '/bucket/key', NOW + 60_000);
    expect(
      await s3CodeOf(authenticate(head('GET', presignV2('GET', '/bucket/key', NOW - 1000)), options)),
    ).toBe('AccessDenied');
    expect(await s3CodeOf(authenticate(head('GET', url.replace('/key', '/other')), options))).toBe(
      'SignatureDoesNotMatch',
    );
    const wrong = presignV2('GET', '/bucket/key', NOW + 60_000, 'not-the-secret');
    expect(await s3CodeOf(authenticate(head('GET', wrong), options))).toBe('SignatureDoesNotMatch');
    expect(await s3CodeOf(authenticate(head('GET', url.replace('AKV2', 'NOPE')), options))).toBe(
      'InvalidAccessKeyId',
    );
    expect(
      await s3CodeOf(authenticate(head('PUT', presignV2('PUT', '/bucket/key', NOW + 60_000)), options)),
    ).toBe('AccessDenied');
    const far = presignV2('GET', '/bucket/key', NOW + 8 * 24 * 3600 * 1000);
    expect(await s3CodeOf(authenticate(head('GET', far), options))).toBe('AuthorizationQueryParametersError');
    expect(
      await s3CodeOf(
        authenticate(head('GET', '/bucket/key?AWSAccessKeyId=AKV2&Expires=x&Signature=y'), options),
      ),
    ).toBe('AuthorizationQueryParametersError');
  });

  it('checks the signature against the routed bucket and key only, never one taken from the Host', async () => {
    const url = presignV2('GET', '/bkt/private/secret.txt', NOW + 60_000);
    const moved = url.replace('/bkt/private/secret.txt', '/private/secret.txt');
    const tricked = { method: 'GET', url: moved, headers: { host: 'bkt.example' } };
    expect(await s3CodeOf(authenticate(tricked, options))).toBe('SignatureDoesNotMatch');
    // a gateway that routed by Host (virtual-hosted style) says so, and then the signature holds
    const routed = { bucket: 'bkt', key: 'private/secret.txt', rawKey: 'private/secret.txt' };
    expect((await authenticate({ ...tricked, routed }, options)).accessKeyId).toBe('AKV2');
    const other = { bucket: 'private', key: 'secret.txt', rawKey: 'secret.txt' };
    expect(await s3CodeOf(authenticate({ ...tricked, routed: other }, options))).toBe(
      'SignatureDoesNotMatch',
    );
  });

  it('authorises reading one object only: no bucket-level request, no unsigned parameter', async () => {
    const bucketUrl = presignV2('GET', '/bkt/', NOW + 60_000);
    expect(await s3CodeOf(authenticate(head('GET', bucketUrl), options))).toBe('AccessDenied');
    const url = presignV2('GET', '/bkt/key', NOW + 60_000);
    for (const extra of ['&prefix=', '&list-type=2', '&attributes', '&select']) {
      expect(await s3CodeOf(authenticate(head('GET', url + extra), options))).toBe('AccessDenied');
    }
    // sub-resources are signed: the one signed is accepted
    const expires = String(Math.floor((NOW + 60_000) / 1000));
    const signed = createHmac('sha1', SECRET)
      .update(`GET\n\n\n${expires}\n/bkt/key?versionId=null`)
      .digest('base64');
    const versioned = `/bkt/key?versionId=null&AWSAccessKeyId=AKV2&Expires=${expires}&Signature=${encodeURIComponent(signed)}`;
    expect((await authenticate(head('GET', versioned), options)).accessKeyId).toBe('AKV2');
  });

  it('refuses a query naming an auth parameter twice', async () => {
    const url = presignV2('GET', '/bkt/key', NOW + 60_000);
    for (const extra of ['&Signature=AAAA', '&Expires=1', '&AWSAccessKeyId=AKV2', '&signature=x']) {
      expect(await s3CodeOf(authenticate(head('GET', url + extra), options))).toBe(
        'AuthorizationQueryParametersError',
      );
    }
  });
});
