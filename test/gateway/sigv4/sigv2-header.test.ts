import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticate, type SigV4Options } from '../../../src/gateway/sigv4/index.js';
import { requireDebian } from '../../support/debian.js';
import { type ClientFixture, clientFixture, s3cmdCli } from '../clients-fixture.js';
import { SECRET_KEY, startGateway } from '../support.js';

/**
 * Signature Version 2 header authentication (issue #19 item 6): the AWS documentation's examples
 * ("Signing and authenticating REST requests", the johnsmith bucket), S3's 403s for bad dates and
 * signatures, refused unless enabled; then s3cmd with `signature_v2 = True` against a gateway.
 */
const DOC_KEY = 'AKIAIOSFODNN7EXAMPLE';
const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GET_DATE = 'Tue, 27 Mar 2007 19:36:42 +0000';
const options = (now: string, signatureV2 = true): SigV4Options => ({
  region: 'us-east-1',
  secretFor: (id) => (id === DOC_KEY ? DOC_SECRET : undefined),
  now: () => Date.parse(now),
  signatureV2,
});
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: { details?: { s3Code?: string; status?: number } }) =>
      `${err.details?.status} ${err.details?.s3Code}`,
  );
const getPuppy = (authorization: string, headers: Record<string, string> = {}) => ({
  method: 'GET',
  url: '/johnsmith/photos/puppy.jpg',
  headers: { host: 's3.amazonaws.com', date: GET_DATE, authorization, ...headers },
});

describe('Signature Version 2 Authorization headers', () => {
  it('accepts the documentation examples (GET object, PUT object with a Content-Type)', async () => {
    const got = await authenticate(
      getPuppy(`AWS ${DOC_KEY}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=`),
      options(GET_DATE),
    );
    expect(got.accessKeyId).toBe(DOC_KEY);
    const putDate = 'Tue, 27 Mar 2007 21:15:45 +0000';
    const put = {
      method: 'PUT',
      url: '/johnsmith/photos/puppy.jpg',
      headers: {
        host: 's3.amazonaws.com',
        date: putDate,
        'content-type': 'image/jpeg',
        'content-length': '94328',
        authorization: `AWS ${DOC_KEY}:MyyxeRY7whkBe+bq8fHCL/2kKUg=`,
      },
    };
    expect((await authenticate(put, options(putDate))).accessKeyId).toBe(DOC_KEY);
  });

  it('403 for a wrong signature, a tampered request, an unknown key, a bad or skewed date', async () => {
    const good = `AWS ${DOC_KEY}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=`;
    const now = options(GET_DATE);
    expect(await codeOf(authenticate(getPuppy(`AWS ${DOC_KEY}:AAAAs1WEIj+Ydj0vQ697zp+IXMU=`), now))).toBe(
      '403 SignatureDoesNotMatch',
    );
    const tampered = { ...getPuppy(good), url: '/johnsmith/photos/kitten.jpg' };
    expect(await codeOf(authenticate(tampered, now))).toBe('403 SignatureDoesNotMatch');
    expect(await codeOf(authenticate(getPuppy('AWS AKNOBODY:bWq2s1WEIj+Ydj0vQ697zp+IXMU='), now))).toBe(
      '403 InvalidAccessKeyId',
    );
    expect(await codeOf(authenticate(getPuppy(good, { date: 'yesterday-ish' }), now))).toBe(
      '403 AccessDenied',
    );
    expect(await codeOf(authenticate(getPuppy(good), options('Tue, 27 Mar 2007 20:36:42 +0000')))).toBe(
      '403 RequestTimeTooSkewed',
    );
    expect(await codeOf(authenticate(getPuppy(`AWS ${DOC_KEY}`), now))).toBe('403 AccessDenied');
  });

  it('x-amz-date replaces Date: the Date line of the string to sign is then empty', async () => {
    const amzDate = 'Tue, 27 Mar 2007 19:36:42 +0000';
    const toSign = `GET\n\n\n\nx-amz-date:${amzDate}\n/johnsmith/photos/puppy.jpg`;
    const signature = createHmac('sha1', DOC_SECRET).update(toSign).digest('base64');
    const head = getPuppy(`AWS ${DOC_KEY}:${signature}`, {
      date: 'Thu, 01 Jan 1970 00:00:00 GMT',
      'x-amz-date': amzDate,
    });
    expect((await authenticate(head, options(GET_DATE))).accessKeyId).toBe(DOC_KEY);
  });

  it('is refused unless enabled, as S3 regions without SigV2 refuse it', async () => {
    expect(
      await codeOf(
        authenticate(getPuppy(`AWS ${DOC_KEY}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=`), options(GET_DATE, false)),
      ),
    ).toBe('400 InvalidRequest');
  });
});

describe('s3cmd with signature_v2 against the gateway', () => {
  const f = clientFixture();
  it('makes a bucket, puts, lists, gets and deletes with SigV2 headers; a wrong secret is 403', async () => {
    requireDebian('s3cmd');
    const gw = await startGateway({ signatureV2: true });
    try {
      const fixture = { ...f, gw } as ClientFixture;
      const s3cmd = await s3cmdCli(fixture, 's3cmd-v2.cfg', ['signature_v2 = True']);
      await s3cmd('mb', 's3://old-client');
      await s3cmd('put', f.files.small, 's3://old-client/dir/small file.txt');
      expect(await s3cmd('ls', 's3://old-client/dir/')).toContain('s3://old-client/dir/small file.txt');
      await s3cmd('get', 's3://old-client/dir/small file.txt', join(f.work, 'back.txt'), '--force');
      expect(Buffer.from(await f.bytesOf(join(f.work, 'back.txt'))).toString()).toBe(
        'small file from a client\n',
      );
      await s3cmd('del', 's3://old-client/dir/small file.txt');
      const wrong = await s3cmdCli(fixture, 's3cmd-v2-wrong.cfg', ['signature_v2 = True']);
      const config = join(f.work, 's3cmd-v2-wrong.cfg');
      await writeFile(config, (await readFile(config, 'utf8')).replace(SECRET_KEY, 'not-the-secret'));
      await expect(wrong('ls', 's3://old-client')).rejects.toThrow(/403|SignatureDoesNotMatch/);
      // a gateway without SigV2 refuses it with S3's words, which make s3cmd switch to SigV4 and retry
      const off = await s3cmdCli(f, 's3cmd-v2-off.cfg', ['signature_v2 = True']);
      await off('ls');
      expect(f.gw.requests.slice(-2)).toEqual(['GET / 400', 'GET / 200']);
    } finally {
      await gw.stop();
    }
  }, 120_000);
});
