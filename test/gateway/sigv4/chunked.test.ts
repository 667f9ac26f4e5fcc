import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { AwsChunkedDecoder, authenticate, createChecksum } from '../../../src/gateway/sigv4/index.js';
import { encodeUnsigned, split } from './encoder.js';
import { drain, failure, pieces } from './support.js';

function decode(encoded: Uint8Array, cuts: readonly number[], decodedLength?: number) {
  const decoder = new AwsChunkedDecoder(decodedLength === undefined ? {} : { decodedLength });
  const out: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, encoded.length].sort((a, b) => a - b)) {
    if (cut < start) continue;
    for (const part of decoder.push(encoded.subarray(start, cut))) out.push(Uint8Array.from(part));
    start = cut;
  }
  return { payload: Buffer.concat(out), trailers: decoder.end() };
}

const crc32 = (data: Uint8Array) => {
  const sum = createChecksum('crc32');
  sum.update(data);
  return sum.digest();
};

/** An anonymous STREAMING-UNSIGNED-PAYLOAD-TRAILER request head for `payload`. */
function unsignedHead(payload: Uint8Array, trailer = 'x-amz-checksum-crc32') {
  return {
    method: 'PUT',
    url: '/b/k',
    headers: {
      host: 'h',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(payload.length),
      'x-amz-trailer': trailer,
    },
  };
}
const anonymous = { region: 'us-east-1', secretFor: () => undefined, allowAnonymous: true };

describe('aws-chunked decoding', () => {
  test('property: encode at random chunk sizes, split at random network boundaries, decode = the body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (body, sizes, rawCuts, withTrailer) => {
          const trailers: Array<[string, string]> = withTrailer
            ? [['x-amz-checksum-crc32', crc32(body)]]
            : [];
          const encoded = encodeUnsigned(split(body, sizes), trailers);
          const cuts = rawCuts.map((c) => c % (encoded.length + 1));
          const { payload, trailers: got } = decode(encoded, cuts, body.length);
          expect(payload.equals(Buffer.from(body))).toBe(true);
          expect([...got]).toEqual(trailers);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('property: through authenticate(), the trailer CRC32 is verified and any flipped byte is caught', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.nat(),
        async (body, size, flip) => {
          const encoded = encodeUnsigned(split(body, [size]), [['x-amz-checksum-crc32', crc32(body)]]);
          const auth = await authenticate(unsignedHead(body), anonymous);
          expect(
            (await drain(auth, pieces(encoded, [flip % encoded.length]))).equals(Buffer.from(body)),
          ).toBe(true);
          expect(auth.checksums()).toEqual({ 'x-amz-checksum-crc32': crc32(body) });
          const tampered = Buffer.from(encoded);
          tampered[flip % encoded.length] = tampered[flip % encoded.length]! ^ 0x01;
          const again = await authenticate(unsignedHead(body), anonymous);
          await expect(drain(again, pieces(tampered))).rejects.toSatisfy((err) => BucketkitError.is(err));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('fuzz: random bytes give a typed error or bytes, never a hang or another exception', () => {
    const signing = {
      key: Buffer.alloc(32, 1),
      amzDate: '20260101T000000Z',
      scope: 'x',
      seed: 'a'.repeat(64),
    };
    const prefix = fc.constantFrom(
      '',
      '5\r\n',
      '0\r\n',
      `a;chunk-signature=${'b'.repeat(64)}\r\n`,
      '10\r\n0123456789abcdef\r\n',
      '0\r\nx:y\r\n',
    );
    fc.assert(
      fc.property(
        prefix,
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        (head, noise, rawCuts, signed) => {
          const input = Buffer.concat([Buffer.from(head), noise]);
          const decoder = new AwsChunkedDecoder(
            signed ? { signing, signedTrailer: true } : { decodedLength: 10_000 },
          );
          const cuts = [...rawCuts.map((c) => c % (input.length + 1)), input.length].sort((a, b) => a - b);
          let produced = 0;
          try {
            let start = 0;
            for (const cut of cuts) {
              for (const part of decoder.push(input.subarray(start, cut))) produced += part.length;
              start = cut;
            }
            decoder.end();
          } catch (err) {
            expect(BucketkitError.is(err)).toBe(true);
            expect([
              'InvalidRequest',
              'InvalidChunkSizeError',
              'IncompleteBody',
              'SignatureDoesNotMatch',
            ]).toContain((err as BucketkitError).details.s3Code);
          }
          expect(produced).toBeLessThanOrEqual(input.length);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('framing errors have their S3 codes', () => {
    const code = (text: string | Uint8Array, decodedLength?: number) => {
      try {
        decode(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, [], decodedLength);
        return 'ok';
      } catch (err) {
        return (err as BucketkitError).details.s3Code;
      }
    };
    expect(code('5\r\nhello\r\n0\r\n\r\n', 5)).toBe('ok');
    expect(code('zz\r\nhello\r\n0\r\n\r\n')).toBe('InvalidChunkSizeError');
    expect(code('-5\r\nhello\r\n0\r\n\r\n')).toBe('InvalidChunkSizeError');
    expect(code('5\r\nhello\r\n0\r\n\r\n', 4)).toBe('InvalidChunkSizeError');
    expect(code('ffffffffffffff\r\n')).toBe('InvalidChunkSizeError');
    expect(code('4\r\nhello\r\n0\r\n\r\n')).toBe('InvalidRequest');
    expect(code('5\r\nhello0\r\n\r\n')).toBe('InvalidRequest');
    expect(code('5\r\nhello\r\n0\r\nnot a trailer\r\n\r\n')).toBe('InvalidRequest');
    expect(code('5\r\nhello\r\n0\r\n\r\nmore')).toBe('InvalidRequest');
    expect(code('5\r\nhel')).toBe('IncompleteBody');
    expect(code('5\r\nhello\r\n0\r\n')).toBe('IncompleteBody');
    expect(code('')).toBe('IncompleteBody');
  });

  test('buffering is bounded: an endless chunk-size line is refused after about 1 KiB', () => {
    const decoder = new AwsChunkedDecoder();
    const block = Buffer.alloc(256, 0x31);
    let fed = 0;
    expect(() => {
      for (;;) {
        decoder.push(block);
        fed += block.length;
      }
    }).toThrow(/longer than 1024 bytes/);
    expect(fed).toBeLessThanOrEqual(1280);
  });

  test('a huge chunk streams through as views of the input, without being collected', () => {
    const decoder = new AwsChunkedDecoder();
    expect(decoder.push(Buffer.from('40000000\r\n'))).toEqual([]);
    const block = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 8; i++) {
      const out = decoder.push(block);
      expect(out).toHaveLength(1);
      expect(out[0]!.buffer).toBe(block.buffer);
    }
    expect(decoder.decodedBytes).toBe(0x40000000);
  });

  test('a trailer that does not match the body is BadDigest; an undeclared or missing one is InvalidRequest', async () => {
    const body = Buffer.from('hello world');
    const read = async (trailers: Array<[string, string]>, declared?: string) =>
      failure(
        drain(
          await authenticate(unsignedHead(body, declared), anonymous),
          pieces(encodeUnsigned([body], trailers)),
        ),
      );
    expect((await read([['x-amz-checksum-crc32', crc32(Buffer.from('hello worle'))]])).s3Code).toBe(
      'BadDigest',
    );
    expect((await read([['x-amz-checksum-crc32', 'not base64!']])).s3Code).toBe('InvalidRequest');
    expect((await read([])).s3Code).toBe('InvalidRequest');
    expect((await read([['x-amz-checksum-crc32', crc32(body)]], 'x-amz-checksum-sha256')).s3Code).toBe(
      'InvalidRequest',
    );
  });
});
