import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHead, signV4Headers } from '../torture/gateway-support.js';
import { signedRequest } from './raw.js';
import { ACCESS_KEY, SECRET_KEY, startGateway, type TestGateway } from './support.js';

/**
 * `Expect` headers (issue #18): 100 Continue only after the request is authenticated, and Expect values
 * other than 100-continue are ignored as S3 does, rather than node's 417.
 */
describe('Expect handling', () => {
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    gw = await startGateway();
    port = Number(new URL(gw.endpoint).port);
    expect((await signedRequest(gw.endpoint, { method: 'PUT', path: '/expect' })).status).toBe(200);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** Sends a head, waits `waitMs` for what the server says first, then sends the body; returns everything read. */
  function talk(head: string, body: string, waitMs = 400): Promise<{ first: string; all: string }> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      let first = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', () => {});
      socket.once('connect', () => {
        socket.write(head);
        setTimeout(() => {
          first = text;
          if (!socket.destroyed) socket.write(body);
          setTimeout(() => {
            socket.destroy();
            resolve({ first, all: text });
          }, 600);
        }, waitMs);
      });
    });
  }

  const head = (secret: string, expectValue: string, body: string) => {
    const host = `127.0.0.1:${port}`;
    const headers = signV4Headers({
      method: 'PUT',
      path: '/expect/k',
      host,
      payloadHash: 'UNSIGNED-PAYLOAD',
      accessKey: ACCESS_KEY,
      secret,
    });
    return rawHead('PUT', '/expect/k', [
      ...headers,
      ['expect', expectValue],
      ['content-length', String(body.length)],
    ]);
  };

  it('a wrongly signed request gets its 403 without a 100 Continue, and nothing is stored', async () => {
    const { first } = await talk(head('wrong-secret', '100-continue', 'body'), 'body');
    expect(first).not.toContain('100 Continue');
    expect(first).toMatch(/^HTTP\/1\.1 403 /);
    expect(first).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await signedRequest(gw.endpoint, { method: 'GET', path: '/expect/k' })).status).toBe(404);
  });

  it('a well signed request gets 100 Continue, then its 200 once the body is sent', async () => {
    const { first, all } = await talk(head(SECRET_KEY, '100-continue', 'continued'), 'continued');
    expect(first).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    expect(all).toMatch(/HTTP\/1\.1 200 /);
    expect((await signedRequest(gw.endpoint, { method: 'GET', path: '/expect/k' })).body).toBe('continued');
  });

  it('another Expect value is not answered 417: the request runs', async () => {
    const { all } = await talk(head(SECRET_KEY, 'something-else', 'other'), 'other', 50);
    expect(all).not.toContain(' 417 ');
    expect(all).toMatch(/^HTTP\/1\.1 200 /);
    expect((await signedRequest(gw.endpoint, { method: 'GET', path: '/expect/k' })).body).toBe('other');
  });
});
