import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/index.js';
import { leanConfig } from '../../src/storage/s3/lean/lean.js';
import { EMPTY_SHA256, escapeKey, LeanSigner, sha256Hex } from '../../src/storage/s3/lean/sign.js';
import { errorFromBody, fromS3Error } from '../../src/storage/wire/errors.js';
import { parseListPage } from '../../src/storage/wire/list-page-xml.js';
import { decodeEntities, parseXml } from '../../src/storage/wire/xml.js';

/** node:crypto as the `Checksum` smithy's signer wants. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

function bytesOf(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function smithyAuthorization(input: {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  payloadHash: string;
  region: string;
  sessionToken?: string;
  date: Date;
}): Promise<string> {
  const signer = new SignatureV4({
    credentials: { ...credentials, ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}) },
    region: input.region,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: 'https:',
      hostname: input.host,
      path: input.path,
      query: input.query,
      headers: { ...input.headers, host: input.host, 'x-amz-content-sha256': input.payloadHash },
    },
    { signingDate: input.date },
  );
  return String(signed.headers.authorization);
}

describe('lean SigV4 signer', () => {
  it('signs exactly as @smithy/signature-v4 (the SDK signer) for random keys, queries, headers and tokens', async () => {
    const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'HEAD', 'PUT'),
          key: printable,
          query: fc.dictionary(
            fc.constantFrom('prefix', 'delimiter', 'max-keys', 'marker', 'list-type'),
            printable,
          ),
          meta: fc.dictionary(
            fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/),
            fc.stringMatching(/^[\x20-\x7e]{0,30}$/),
          ),
          sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{10,60}$/), { nil: undefined }),
          region: fc.constantFrom('us-east-1', 'eu-west-3', 'ap-southeast-2'),
          body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
          time: fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
        }),
        async (c) => {
          const host = 'bucket.s3.amazonaws.com';
          const headers: Record<string, string> = { host, range: 'bytes=0-9', 'if-match': '"abc"' };
          for (const [name, value] of Object.entries(c.meta)) headers[`x-amz-meta-${name}`] = value;
          if (c.body) headers['content-length'] = String(c.body.byteLength);
          const payloadHash = c.body ? sha256Hex(c.body) : EMPTY_SHA256;
          const path = `/${escapeKey(c.key)}`;
          const date = new Date(c.time);
          const expected = await smithyAuthorization({
            method: c.method,
            host,
            path,
            query: c.query,
            headers,
            payloadHash,
            region: c.region,
            date,
            ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
          });
          const ours = new LeanSigner(
            { ...credentials, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
            c.region,
          );
          const mine = { ...headers };
          ours.sign({ method: c.method, path, query: c.query, headers: mine, payloadHash }, date);
          expect(mine.authorization).toBe(expected);
          if (c.sessionToken) expect(mine['x-amz-security-token']).toBe(c.sessionToken);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('escapes keys per segment, keeping "/" and encoding what encodeURIComponent leaves (!\'()*)', () => {
    expect(escapeKey("a b/c!'()*/é~._-")).toBe('a%20b/c%21%27%28%29%2A/%C3%A9~._-');
  });
});

describe('lean config', () => {
  const env = {};
  it('uses static keys, then AWS_* variables, else leaves the work to the SDK', () => {
    expect(leanConfig({ bucket: 'b', credentials }, env)?.credentials).toEqual(credentials);
    const fromEnv = leanConfig(
      { bucket: 'b' },
      { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_SESSION_TOKEN: 'TOKEN' },
    );
    expect(fromEnv?.credentials).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOKEN' });
    expect(leanConfig({ bucket: 'b' }, { AWS_PROFILE: 'dev' })).toBeUndefined();
    const named = { AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK' };
    expect(leanConfig({ bucket: 'b' }, named)).toBeUndefined();
    expect(leanConfig({ bucket: 'b', credentials, lean: false }, env)).toBeUndefined();
  });

  it('addresses buckets as the SDK client is configured: AWS virtual-hosted, custom endpoints path-style', () => {
    expect(leanConfig({ bucket: 'data', region: 'eu-west-3', credentials }, env)).toMatchObject({
      endpoint: 'https://s3.eu-west-3.amazonaws.com',
      forcePathStyle: false,
      region: 'eu-west-3',
    });
    expect(leanConfig({ bucket: 'b', endpoint: 'http://127.0.0.1:9000/', credentials }, env)).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(leanConfig({ bucket: 'my.data', credentials }, env)?.forcePathStyle).toBe(true);
    expect(leanConfig({ bucket: 'Upper_Case', credentials }, env)?.forcePathStyle).toBe(true);
  });
});

const LIST_V2 = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>a/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
<Contents><Key>a/&lt;1&gt; &amp; &#233;&#x1F600;</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified>
<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><Owner><ID>x</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>a/sub/</Prefix></CommonPrefixes>
<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>`;

describe('lean ListBucketResult and Error parser', () => {
  it('reads objects, prefixes, entities, truncation and the next token', () => {
    const page = parseListPage(LIST_V2);
    expect(page.Contents).toEqual([
      {
        Key: 'a/<1> & é😀',
        Size: 1,
        ETag: '"0cc175b9c0f1b6a831c399e269772661"',
        LastModified: new Date('2024-01-02T03:04:05.000Z'),
      },
    ]);
    expect(page.CommonPrefixes).toEqual([{ Prefix: 'a/sub/' }]);
    expect(page).toMatchObject({ IsTruncated: true, NextContinuationToken: 'tok+/=' });
  });

  it('reads V1 markers, empty self-closed elements and url-encoded keys', () => {
    const page = parseListPage(
      '<ListBucketResult><Prefix/><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><NextMarker>a%2Fb+c</NextMarker><Contents><Key>x%25y%20z</Key><Size>0</Size></Contents></ListBucketResult>',
    );
    expect(page.Contents?.[0]?.Key).toBe('x%y z');
    expect(page).toMatchObject({ IsTruncated: false, NextMarker: 'a/b c' });
  });

  it('decodes every entity form and refuses unknown ones', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;')).toBe(`<>&"'AB`);
    for (const bad of ['&nbsp;', '&constructor;', '&#xD800;', '&#1114112;', 'a & b']) {
      expect(() => decodeEntities(bad)).toThrow(BucketkitError);
    }
  });

  it('refuses a DOCTYPE (no entity expansion from the network) and mismatched tags', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')).toThrow(/DOCTYPE/);
    expect(() => parseXml('<a><b></a></b>')).toThrow(/does not match/);
    expect(() => parseListPage('<Error><Code>x</Code></Error>')).toThrow(/ListBucketResult/);
  });

  it('fuzz: random bytes, and mutated listings, give a page or a typed Corrupt error — never a crash or hang', () => {
    const mutated = fc
      .tuple(fc.nat(LIST_V2.length), fc.nat(40), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => LIST_V2.slice(0, at) + insert + LIST_V2.slice(at + cut));
    const randomText = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('utf8'));
    const markup = fc
      .array(
        fc.constantFrom(
          '<',
          '>',
          '/',
          '&',
          ';',
          'a',
          '<a>',
          '</a>',
          '<?',
          '?>',
          '<!--',
          '-->',
          '<![CDATA[',
          ']]>',
          '"',
          '&#x',
        ),
        { maxLength: 60 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(mutated, randomText, markup), (text) => {
        try {
          const page = parseListPage(text);
          expect(Array.isArray(page.Contents)).toBe(true);
        } catch (err) {
          expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('fuzz: any error body maps to a typed error with the status; S3 error codes win over the status', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(400, 403, 404, 409, 412, 500, 503),
        (bytes, status) => {
          const mapped = fromS3Error(errorFromBody(status, Buffer.from(bytes).toString('utf8')), {
            bucket: 'b',
            key: 'k',
            operation: 'GetObject',
          });
          expect(BucketkitError.is(mapped)).toBe(true);
          expect(mapped.details).toMatchObject({ bucket: 'b', key: 'k', status });
        },
      ),
      { numRuns: 2000 },
    );
    const noSuchKey = errorFromBody(404, '<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>');
    expect(fromS3Error(noSuchKey, { bucket: 'b', key: 'k', operation: 'GetObject' })).toMatchObject({
      code: 'NotFound',
      details: { status: 404, retryable: false },
    });
    const slow = errorFromBody(503, '<Error><Code>SlowDown</Code></Error>');
    expect(fromS3Error(slow, { bucket: 'b', operation: 'PutObject' })).toMatchObject({
      code: 'Backend',
      details: { status: 503, retryable: true },
    });
    expect(fromS3Error(errorFromBody(404, ''), { bucket: 'b', operation: 'HeadObject' }).code).toBe(
      'NotFound',
    );
  });
});
