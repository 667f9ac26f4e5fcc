import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  canonicalQuery,
  canonicalUris,
  headerValue,
  parseQuery,
  percentDecodeBytes,
  uriEncode,
} from '../../../src/gateway/sigv4/canonical.js';
import { authenticate } from '../../../src/gateway/sigv4/index.js';
import { NodeSha256 } from './encoder.js';
import { ACCESS_KEY, failure, OPTIONS, REGION, SECRET } from './support.js';

describe('canonical request parts', () => {
  test('query: names and values re-encoded strictly, sorted by name then value, empty values kept', () => {
    const params = parseQuery('prefix=a b/ü&uploads&list-type=2&b=2&b=1&marker=%7e%2a&x=a+b&bad=%zz');
    expect(canonicalQuery(params)).toBe(
      'b=1&b=2&bad=%25zz&list-type=2&marker=~%2A&prefix=a%20b%2F%C3%BC&uploads=&x=a%2Bb',
    );
    expect(canonicalQuery(parseQuery('X-Amz-Signature=abc&a=1'), 'X-Amz-Signature')).toBe('a=1');
  });

  test('URI: the path as sent first, then its strict re-encoding when that differs', () => {
    expect([...canonicalUris('/b/a%20b')]).toEqual(['/b/a%20b']);
    expect([...canonicalUris("/b/a!b'(c)")]).toEqual(["/b/a!b'(c)", '/b/a%21b%27%28c%29']);
    expect([...canonicalUris('/b/%7euser')]).toEqual(['/b/%7euser', '/b/~user']);
  });

  test('header values are trimmed with inner whitespace runs collapsed; repeated headers joined with ","', () => {
    expect(headerValue('  a   b \t c  ')).toBe('a b c');
    expect(headerValue(['x', 'y'])).toBe('x,y');
    expect(headerValue(undefined)).toBe('');
  });

  test('property: percent-decoding never throws and strict encoding round-trips bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 64 }), (text, bytes) => {
        const decoded = percentDecodeBytes(text);
        expect(decoded).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(percentDecodeBytes(uriEncode(bytes))).equals(Buffer.from(bytes))).toBe(true);
        expect(uriEncode(percentDecodeBytes(uriEncode(bytes)))).toBe(uriEncode(bytes));
      }),
    );
  });
});

test('a request sent with raw reserved characters but signed with their escapes is accepted', async () => {
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    region: REGION,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method: 'GET',
    protocol: 'http:',
    hostname: 'h',
    path: '/b/it%27s%21%20%28x%29',
    query: {},
    headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const auth = await authenticate({ method: 'GET', url: "/b/it's!%20(x)", headers }, OPTIONS);
  expect(auth.accessKeyId).toBe(ACCESS_KEY);
  expect(
    (await failure(authenticate({ method: 'GET', url: "/b/it's!%20(y)", headers }, OPTIONS))).s3Code,
  ).toBe('SignatureDoesNotMatch');
});
