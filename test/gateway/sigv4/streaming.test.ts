import { describe, expect, test } from 'vitest';
import { createChecksum } from '../../../src/gateway/sigv4/index.js';
import { signedStreamingRequest } from './encoder.js';
import { failure, type Recorded, replay } from './support.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const now = () => NOW;
const body = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 31 + (i >> 9)) & 0xff));

function crc32(data: Uint8Array): string {
  const sum = createChecksum('crc32');
  sum.update(data);
  return sum.digest();
}

/** Replaces the n-th chunk-signature in the body with `sig`. */
function withChunkSignature(rec: Recorded, n: number, sig: (old: string) => string): Recorded {
  let i = 0;
  const text = rec.body
    .toString('latin1')
    .replace(/chunk-signature=([0-9a-f]{64})/g, (all, old: string) =>
      i++ === n ? `chunk-signature=${sig(old)}` : all,
    );
  return { ...rec, body: Buffer.from(text, 'latin1') };
}

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD signed by @smithy/signature-v4', () => {
  test('is accepted for several chunk sizes and network splits', async () => {
    for (const chunkSize of [1, 8192, 65_536, 150_000]) {
      const rec = await signedStreamingRequest(chunkSize === 1 ? body.subarray(0, 300) : body, {
        chunkSize,
        now: NOW,
      });
      const expected = chunkSize === 1 ? body.subarray(0, 300) : body;
      for (const cuts of [[], [1, 50, 51, 52, 90, 91, 8300], [65_600, 65_700, 131_200]]) {
        const { auth, payload } = await replay(rec, { now }, cuts);
        expect(payload.equals(expected)).toBe(true);
        expect(auth.decodedLength).toBe(expected.length);
      }
    }
  });

  test('with a signed CRC32 trailer, the CRC is verified and echoed', async () => {
    const rec = await signedStreamingRequest(body, {
      chunkSize: 65_536,
      now: NOW,
      trailer: ['x-amz-checksum-crc32', crc32(body)],
    });
    const { auth, payload } = await replay(rec, { now }, [150_200]);
    expect(payload.equals(body)).toBe(true);
    expect(auth.checksums()).toEqual({ 'x-amz-checksum-crc32': crc32(body) });
  });

  test('a signed but wrong trailer checksum is BadDigest', async () => {
    const rec = await signedStreamingRequest(body, {
      chunkSize: 65_536,
      now: NOW,
      trailer: ['x-amz-checksum-crc32', crc32(Buffer.from('other'))],
    });
    expect(await failure(replay(rec, { now }))).toEqual({
      code: 'Corrupt',
      s3Code: 'BadDigest',
      status: 400,
    });
  });

  test('a bad chunk signature, swapped chunks or a flipped byte are SignatureDoesNotMatch', async () => {
    const rec = await signedStreamingRequest(body, { chunkSize: 50_000, now: NOW });
    const bad = withChunkSignature(rec, 1, (old) => old.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    expect((await failure(replay(bad, { now }))).s3Code).toBe('SignatureDoesNotMatch');
    const sigs = [...rec.body.toString('latin1').matchAll(/chunk-signature=([0-9a-f]{64})/g)].map(
      (m) => m[1]!,
    );
    const swapped = withChunkSignature(
      withChunkSignature(rec, 0, () => sigs[1]!),
      1,
      () => sigs[0]!,
    );
    expect((await failure(replay(swapped, { now }))).s3Code).toBe('SignatureDoesNotMatch');
    const flipped = { ...rec, body: Buffer.from(rec.body) };
    flipped.body[120_000] = flipped.body[120_000]! ^ 1;
    expect((await failure(replay(flipped, { now }))).s3Code).toBe('SignatureDoesNotMatch');
  });

  test('the seed signature made with another secret is SignatureDoesNotMatch before any byte is read', async () => {
    const rec = await signedStreamingRequest(body, { chunkSize: 65_536, now: NOW, secret: 'not the secret' });
    expect(await failure(replay(rec, { now }))).toEqual({
      code: 'AccessDenied',
      s3Code: 'SignatureDoesNotMatch',
      status: 403,
    });
  });

  test('a body cut before its final chunk is IncompleteBody', async () => {
    const rec = await signedStreamingRequest(body, { chunkSize: 65_536, now: NOW });
    for (const keep of [10, 65_000, rec.body.length - 90, rec.body.length - 1]) {
      const cut = { ...rec, body: rec.body.subarray(0, keep) };
      expect((await failure(replay(cut, { now }))).s3Code).toBe('IncompleteBody');
    }
  });

  test('chunks beyond the signed x-amz-decoded-content-length are InvalidChunkSizeError', async () => {
    const rec = await signedStreamingRequest(body, { chunkSize: 65_536, now: NOW, decodedLength: 100_000 });
    expect((await failure(replay(rec, { now }))).s3Code).toBe('InvalidChunkSizeError');
  });
});
