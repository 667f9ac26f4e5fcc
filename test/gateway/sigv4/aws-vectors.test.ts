import { describe, expect, test } from 'vitest';
import { authenticate } from '../../../src/gateway/sigv4/index.js';
import { drain, failure, pieces } from './support.js';

// The worked example of "Signature Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks" in the Amazon S3 API reference: 66,560 bytes of 'a' in chunks of 65,536 and 1,024.
const EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunks: [
    [65536, 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648'],
    [1024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'],
    [0, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'],
  ] as const,
};

function exampleRequest(signatures: readonly string[] = EXAMPLE.chunks.map((c) => c[1])) {
  const parts: Buffer[] = [];
  EXAMPLE.chunks.forEach(([size], i) => {
    parts.push(Buffer.from(`${size.toString(16)};chunk-signature=${signatures[i]}\r\n`));
    parts.push(Buffer.alloc(size, 'a'));
    parts.push(Buffer.from('\r\n'));
  });
  const body = Buffer.concat(parts);
  const head = {
    method: 'PUT',
    url: '/examplebucket/chunkObject.txt',
    headers: {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        `AWS4-HMAC-SHA256 Credential=${EXAMPLE.accessKeyId}/20130524/us-east-1/s3/aws4_request,` +
        'SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;' +
        `x-amz-decoded-content-length;x-amz-storage-class,Signature=${EXAMPLE.seed}`,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': String(body.length),
    },
  };
  return { head, body };
}

const options = {
  region: 'us-east-1',
  secretFor: (id: string) => (id === EXAMPLE.accessKeyId ? EXAMPLE.secret : undefined),
  now: () => Date.UTC(2013, 4, 24, 0, 5),
};

describe('the AWS documentation example of a signed chunked upload', () => {
  test('is accepted, whatever the network split, and yields the 66,560 bytes', async () => {
    const { head, body } = exampleRequest();
    expect(body.length).toBe(66824); // the Content-Length the example states
    for (const cuts of [[], [1, 2, 3, 87, 88, 89], [65620, 65625, 65627, 66730], [40, 66800, 66820]]) {
      const auth = await authenticate(head, options);
      expect(auth.decodedLength).toBe(66560);
      const payload = await drain(auth, pieces(body, cuts));
      expect(payload.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    }
  });

  test('a wrong chunk signature, or chunks swapped, fail with SignatureDoesNotMatch', async () => {
    const sigs = EXAMPLE.chunks.map((c) => c[1]);
    const wrong = [sigs[0]!, sigs[1]!.replace(/^0/, '1'), sigs[2]!];
    const { head, body } = exampleRequest(wrong);
    const auth = await authenticate(head, options);
    expect(await failure(drain(auth, pieces(body)))).toEqual({
      code: 'AccessDenied',
      s3Code: 'SignatureDoesNotMatch',
      status: 403,
    });
  });

  test('one flipped payload byte fails the chunk signature', async () => {
    const { head, body } = exampleRequest();
    body[30_000] = 0x62;
    const auth = await authenticate(head, options);
    expect((await failure(drain(auth, pieces(body)))).s3Code).toBe('SignatureDoesNotMatch');
  });
});

// The worked example of "Signature Calculations for the Authorization Header: Including Trailing Headers":
// the same 66,560 bytes, then a CRC32C trailer with its own signature.
const TRAILER_EXAMPLE = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  chunks: [
    [65536, 'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2'],
    [1024, '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7'],
    [0, '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'],
  ] as const,
  trailer: 'x-amz-checksum-crc32c:sOO8/Q==',
  trailerSignature: 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
};

function trailerRequest(trailer = TRAILER_EXAMPLE.trailer) {
  const parts: Buffer[] = [];
  for (const [size, sig] of TRAILER_EXAMPLE.chunks) {
    parts.push(Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), Buffer.alloc(size, 'a'));
    if (size > 0) parts.push(Buffer.from('\r\n'));
  }
  parts.push(
    Buffer.from(`${trailer}\r\nx-amz-trailer-signature:${TRAILER_EXAMPLE.trailerSignature}\r\n\r\n`),
  );
  return {
    head: {
      method: 'PUT',
      url: '/examplebucket/chunkObject.txt',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        authorization:
          `AWS4-HMAC-SHA256 Credential=${EXAMPLE.accessKeyId}/20130524/us-east-1/s3/aws4_request,` +
          'SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;' +
          `x-amz-storage-class;x-amz-trailer,Signature=${TRAILER_EXAMPLE.seed}`,
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'x-amz-trailer': 'x-amz-checksum-crc32c',
      },
    },
    body: Buffer.concat(parts),
  };
}

describe('the AWS documentation example of a signed chunked upload with a trailer', () => {
  test('is accepted and its CRC32C is echoed', async () => {
    const { head, body } = trailerRequest();
    const auth = await authenticate(head, options);
    const payload = await drain(auth, pieces(body, [66700, 66750, 66800]));
    expect(payload.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    expect(auth.checksums()).toEqual({ 'x-amz-checksum-crc32c': 'sOO8/Q==' });
  });

  test('a changed trailer breaks the trailer signature', async () => {
    const { head, body } = trailerRequest('x-amz-checksum-crc32c:AAAAAA==');
    const auth = await authenticate(head, options);
    expect((await failure(drain(auth, pieces(body)))).s3Code).toBe('SignatureDoesNotMatch');
  });
});

// The header-auth and presigned examples of "Authenticating Requests: Using the Authorization Header"
// and "Query String Authentication" in the Amazon S3 API reference (bucket examplebucket, 2013-05-24).
describe('the AWS documentation examples of header and query authentication', () => {
  const host = 'examplebucket.s3.amazonaws.com';
  const emptySha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const auth = (signedHeaders: string, signature: string) =>
    `AWS4-HMAC-SHA256 Credential=${EXAMPLE.accessKeyId}/20130524/us-east-1/s3/aws4_request,` +
    `SignedHeaders=${signedHeaders},Signature=${signature}`;
  const base = { host, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': emptySha };

  test('GET Object with a Range header', async () => {
    const headers = {
      ...base,
      range: 'bytes=0-9',
      authorization: auth(
        'host;range;x-amz-content-sha256;x-amz-date',
        'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ),
    };
    expect((await authenticate({ method: 'GET', url: '/test.txt', headers }, options)).accessKeyId).toBe(
      EXAMPLE.accessKeyId,
    );
    const wrong = { ...headers, range: 'bytes=0-10' };
    expect(
      (await failure(authenticate({ method: 'GET', url: '/test.txt', headers: wrong }, options))).s3Code,
    ).toBe('SignatureDoesNotMatch');
  });

  test('PUT Object with a Date header, a reserved character in the key and a signed payload', async () => {
    const payload = Buffer.from('Welcome to Amazon S3.');
    const headers = {
      host,
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      'content-length': String(payload.length),
      authorization: auth(
        'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
        '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
      ),
    };
    const result = await authenticate({ method: 'PUT', url: '/test%24file.text', headers }, options);
    expect((await drain(result, pieces(payload, [7]))).equals(payload)).toBe(true);
  });

  test('GET Bucket lifecycle and GET Bucket with a query', async () => {
    const lifecycle = {
      ...base,
      authorization: auth(
        'host;x-amz-content-sha256;x-amz-date',
        'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
      ),
    };
    await expect(
      authenticate({ method: 'GET', url: '/?lifecycle', headers: lifecycle }, options),
    ).resolves.toBeTruthy();
    const list = {
      ...base,
      authorization: auth(
        'host;x-amz-content-sha256;x-amz-date',
        '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
      ),
    };
    await expect(
      authenticate({ method: 'GET', url: '/?max-keys=2&prefix=J', headers: list }, options),
    ).resolves.toBeTruthy();
    // the same parameters in another order sign the same canonical query
    await expect(
      authenticate({ method: 'GET', url: '/?prefix=J&max-keys=2', headers: list }, options),
    ).resolves.toBeTruthy();
    expect(
      (await failure(authenticate({ method: 'GET', url: '/?max-keys=3&prefix=J', headers: list }, options)))
        .s3Code,
    ).toBe('SignatureDoesNotMatch');
  });

  test('a presigned GET valid for 86,400 seconds', async () => {
    const url =
      '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      `&X-Amz-Credential=${EXAMPLE.accessKeyId}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request` +
      '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
      '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const head = { method: 'GET', url, headers: { host } };
    await expect(
      authenticate(head, { ...options, now: () => Date.UTC(2013, 4, 24, 23) }),
    ).resolves.toBeTruthy();
    expect(
      (await failure(authenticate(head, { ...options, now: () => Date.UTC(2013, 4, 25, 0, 0, 1) }))).s3Code,
    ).toBe('AccessDenied');
  });
});
