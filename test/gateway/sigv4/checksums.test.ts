import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32Js } from '../../../src/gateway/sigv4/crc.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumAlgorithmOf,
  createChecksum,
} from '../../../src/gateway/sigv4/index.js';

const CHECK = new TextEncoder().encode('123456789');
const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

function sum(algorithm: (typeof CHECKSUM_ALGORITHMS)[number], parts: readonly Uint8Array[]): string {
  const c = createChecksum(algorithm);
  for (const part of parts) c.update(part);
  return c.digest();
}

describe('checksums', () => {
  test('the catalogued check values of "123456789"', () => {
    expect(hex(sum('crc32', [CHECK]))).toBe('cbf43926');
    expect(hex(sum('crc32c', [CHECK]))).toBe('e3069283');
    expect(hex(sum('crc64nvme', [CHECK]))).toBe('ae8b14860a799888');
    expect(hex(sum('sha1', [CHECK]))).toBe('f7c3bc1d808e04732adf679965ccc34ca7ae3441');
    expect(sum('crc32', [])).toBe('AAAAAA==');
    expect(sum('crc64nvme', [])).toBe('AAAAAAAAAAA=');
  });

  test('property: any split of the input gives the one-shot digest, for every algorithm', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (data, rawCuts) => {
          const cuts = [...new Set(rawCuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const parts: Uint8Array[] = [];
          let start = 0;
          for (const cut of [...cuts, data.length]) {
            parts.push(data.subarray(start, cut));
            start = cut;
          }
          for (const algorithm of CHECKSUM_ALGORITHMS)
            expect(sum(algorithm, parts)).toBe(sum(algorithm, [data]));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: the table CRC32 fallback equals zlib', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(crc32Js.final(crc32Js.update(crc32Js.init, data))).toBe(zlibCrc32(data));
      }),
    );
  });

  test('header names map to algorithms', () => {
    expect(checksumAlgorithmOf('x-amz-checksum-crc64nvme')).toBe('crc64nvme');
    expect(checksumAlgorithmOf('CRC32C')).toBe('crc32c');
    expect(checksumAlgorithmOf('x-amz-checksum-md5')).toBeUndefined();
  });

  test('throughput: 64 MiB of CRC32C and CRC64NVME in well under the test budget', () => {
    const block = new Uint8Array(1 << 20).fill(0x5a);
    for (const algorithm of ['crc32c', 'crc64nvme'] as const) {
      const c = createChecksum(algorithm);
      const started = process.cpuUsage(); // CPU time, which a loaded machine does not inflate
      for (let i = 0; i < 64; i++) c.update(block);
      c.digest();
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000).toBeLessThan(5000);
    }
  });
});
