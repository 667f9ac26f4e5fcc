/**
 * Untrusted bytes into the OTLP protobuf decoder: whatever the input (random bytes, mutated or truncated
 * requests, bad varints, wrong wire types, huge lengths, deep nesting, gzip bombs), it either decodes or
 * throws a `Corrupt` BucketkitError — never another error, a crash, a hang or an allocation the input
 * does not justify.
 */
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { type DecodedLog, decodeOtlpLogsProtobuf, decodeOtlpLogsRequest } from '../../src/lake/index.js';
import { encodeRequest, manyRecords, SAMPLE_REQUEST } from './otlp-fixtures.js';

/** 'ok' with the record count, or the error's code; any non-bucketkit error fails the test. */
function outcome(bytes: Uint8Array): string {
  try {
    return `ok ${[...decodeOtlpLogsRequest(bytes, 'fuzz.binpb')].length}`;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

async function streamOutcome(chunks: AsyncIterable<Uint8Array>, limit?: number): Promise<string> {
  try {
    let n = 0;
    for await (const _ of decodeOtlpLogsProtobuf(chunks, {
      source: 'fuzz.binpb',
      maxResourceLogsBytes: limit,
    }))
      n++;
    return `ok ${n}`;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** protobuf's varint encoding of a non-negative integer. */
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const valid = encodeRequest(SAMPLE_REQUEST);

describe('OTLP protobuf decoder on untrusted bytes', () => {
  it('random bytes decode or are Corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(outcome(bytes)).toMatch(/^(ok \d+|Corrupt)$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid requests decode or are Corrupt, in memory and streamed alike', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (edits) => {
          const bytes = valid.slice();
          for (const [at, value] of edits) bytes[at] = value;
          const inMemory = outcome(bytes);
          expect(inMemory).toMatch(/^(ok \d+|Corrupt)$/);
          expect(await streamOutcome(once(bytes))).toBe(inMemory);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a request cut anywhere is Corrupt, or (cut between two ResourceLogs) holds the records before the cut', () => {
    const bytes = encodeRequest(manyRecords(30));
    const all = [...decodeOtlpLogsRequest(bytes)];
    for (let cut = 0; cut < bytes.length; cut++) {
      const result = outcome(bytes.subarray(0, cut));
      if (result === 'Corrupt') continue;
      const logs: DecodedLog[] = [...decodeOtlpLogsRequest(bytes.subarray(0, cut))];
      expect(logs).toEqual(all.slice(0, logs.length));
      expect(logs.length % 10).toBe(0);
    }
  });

  it('names the offset of a varint longer than 10 bytes', () => {
    const bytes = new Uint8Array([0x0a, ...Array(11).fill(0xff), 0x01]);
    expect(() => [...decodeOtlpLogsRequest(bytes, 'x.binpb')]).toThrowError(
      /Corrupt: x\.binpb .*varint is longer than 10 bytes at byte 1/,
    );
  });

  it('refuses a known field with the wrong wire type', () => {
    // LogRecord.time_unix_nano (1) as a varint instead of fixed64
    const record = [0x08, 0x01];
    const scope = [0x12, record.length, ...record];
    const resource = [0x12, scope.length, ...scope];
    const bytes = new Uint8Array([0x0a, resource.length, ...resource]);
    expect(() => [...decodeOtlpLogsRequest(bytes)]).toThrowError(/time_unix_nano has wire type 0, not 1/);
  });

  it('refuses groups, invalid wire types and field number 0', () => {
    for (const bytes of [[0x0b], [0x0e], [0x0f], [0x00, 0x00], [0x02, 0x00]]) {
      expect(outcome(new Uint8Array(bytes))).toBe('Corrupt');
    }
  });

  it('refuses a huge declared length at once, without allocating it', async () => {
    for (const length of [2 ** 31, 2 ** 40, 2n ** 63n]) {
      const bytes = new Uint8Array([0x0a, ...varint(length), 1, 2, 3]);
      expect(outcome(bytes)).toBe('Corrupt');
      const before = process.memoryUsage().arrayBuffers;
      expect(await streamOutcome(once(bytes))).toBe('Corrupt');
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it('refuses a ResourceLogs larger than the limit before reading it', async () => {
    const bytes = encodeRequest(manyRecords(10));
    expect(await streamOutcome(once(bytes), 64)).toBe('Corrupt');
    expect(await streamOutcome(once(bytes))).toBe('ok 10');
  });

  it('refuses values nested deeper than 64 levels without exhausting the stack', () => {
    let value = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue{string_value:"x"}
    for (let depth = 0; depth < 5000; depth++) {
      const array = Buffer.concat([Buffer.from([0x0a, ...varint(value.length)]), value]); // ArrayValue{values:[value]}
      value = Buffer.concat([Buffer.from([0x2a, ...varint(array.length)]), array]); // AnyValue{array_value}
    }
    const record = [0x2a, ...varint(value.length), ...value];
    const scope = [0x12, ...varint(record.length), ...record];
    const resource = [0x12, ...varint(scope.length), ...scope];
    const bytes = new Uint8Array([0x0a, ...varint(resource.length), ...resource]);
    expect(() => [...decodeOtlpLogsRequest(bytes)]).toThrowError(/nested deeper than 64/);
  });

  it('stops a gzip bomb at its first bad bytes, pulling little of it', async () => {
    const bomb = gzipSync(new Uint8Array(256 * 1024 * 1024)); // 256 MiB of zeros, ~256 KB gzipped
    expect(bomb.length).toBeLessThan(1024 * 1024);
    let pulled = 0;
    const gunzip = Readable.from([bomb]).pipe(createGunzip());
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of gunzip) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    expect(await streamOutcome(counted())).toBe('Corrupt');
    expect(pulled).toBeLessThan(4 * 1024 * 1024);
    gunzip.destroy();
  });

  it('holds one ResourceLogs at a time: a bomb of valid tiny requests streams through', async () => {
    const one = encodeRequest(manyRecords(10));
    async function* repeated(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 2000; i++) yield one;
    }
    expect(await streamOutcome(repeated())).toBe('ok 20000');
  });
});
