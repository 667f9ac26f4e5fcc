/**
 * OTLP protobuf logs: requests encoded by protobufjs from the official .proto files decode to the records
 * they hold, in memory, streamed in any chunking and gunzipped as the Collector's S3 exporter writes
 * `.binpb.gz`; the deprecated `instrumentation_library_logs` field still reads.
 */
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type DecodedLog,
  decodeObject,
  decodeOtlpLogsProtobuf,
  decodeOtlpLogsRequest,
} from '../../src/lake/index.js';
import { memoryStorage } from '../../src/storage/index.js';
import { encodeRequest, manyRecords, SAMPLE_LOGS, SAMPLE_REQUEST } from './otlp-fixtures.js';

async function collect(logs: AsyncIterable<DecodedLog>): Promise<DecodedLog[]> {
  const out: DecodedLog[] = [];
  for await (const log of logs) out.push(log);
  return out;
}

/** The bytes as a stream of chunks of the given sizes (cycled). */
async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    yield bytes.slice(at, at + size);
    at += size;
  }
}

describe('OTLP logs protobuf decoder', () => {
  const bytes = encodeRequest(SAMPLE_REQUEST);

  it('decodes every value type, both time fields, severity text and number, scopes and ids', () => {
    expect([...decodeOtlpLogsRequest(bytes)]).toEqual(SAMPLE_LOGS);
  });

  it('gives the same records streamed in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        async (sizes) => {
          expect(await collect(decodeOtlpLogsProtobuf(chunked(bytes, sizes)))).toEqual(SAMPLE_LOGS);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a .binpb.gz as the S3 exporter writes it (one gzipped ExportLogsServiceRequest)', async () => {
    const request = manyRecords(5000);
    const gz = gzipSync(encodeRequest(request));
    const gunzipped = Readable.from([gz]).pipe(createGunzip());
    const logs = await collect(
      decodeOtlpLogsProtobuf(gunzipped, { source: 'otel-raw/acme/c1/logs_1.binpb.gz' }),
    );
    expect(logs).toHaveLength(5000);
    expect(logs[4321]).toMatchObject({
      message: 'record 4321',
      level: 'INFO',
      timestampNs: 1767225600000004321n,
      resource: { 'service.name': 'svc-432' },
      scope: { name: 'bulk' },
    });
  });

  it('keeps a leading U+FEFF in bodies and attribute values, short or long (pinned: a decoder dropped it)', () => {
    const long = `\uFEFF${'é'.repeat(40)}`;
    const request = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: '\uFEFFé' },
                  attributes: [{ key: 'k', value: { stringValue: long } }],
                },
                { body: { stringValue: long } },
              ],
            },
          ],
        },
      ],
    };
    const logs = [...decodeOtlpLogsRequest(encodeRequest(request))];
    expect(logs.map((log) => log.message)).toEqual(['\uFEFFé', long]);
    expect(logs[0]!.attributes.k).toBe(long);
  });

  it('reads the deprecated instrumentation_library_logs (field 1000) like scope_logs', () => {
    // ResourceLogs { 1000: { 1: { 1: "old-lib", 2: "0.1" }, 2: LogRecord { 3: "INFO", 5: { 1: "legacy" } } } }
    const scope = Buffer.from([0x0a, 0x07, ...Buffer.from('old-lib'), 0x12, 0x03, ...Buffer.from('0.1')]);
    const body = Buffer.from([0x0a, 0x06, ...Buffer.from('legacy')]);
    const record = Buffer.from([0x1a, 0x04, ...Buffer.from('INFO'), 0x2a, body.length, ...body]);
    const library = Buffer.from([0x0a, scope.length, ...scope, 0x12, record.length, ...record]);
    const resourceLogs = Buffer.from([0xc2, 0x3e, library.length, ...library]); // field 1000, wire 2
    const request = Buffer.from([0x0a, resourceLogs.length, ...resourceLogs]);
    expect([...decodeOtlpLogsRequest(request)]).toEqual([
      {
        message: 'legacy',
        level: 'INFO',
        resource: {},
        scope: { name: 'old-lib', version: '0.1' },
        attributes: {},
      },
    ]);
  });

  it('reads an empty file as an empty request', async () => {
    expect(await collect(decodeOtlpLogsProtobuf(chunked(new Uint8Array(0), [1])))).toEqual([]);
  });

  it('skips unknown fields of every wire type (newer OTLP versions)', () => {
    // an unknown varint (field 99), fixed32 (98) and fixed64 (97) before the real resource_logs
    const unknown = Buffer.from([
      0x98, 0x06, 0x05, 0x95, 0x06, 1, 2, 3, 4, 0x89, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    const request = Buffer.concat([unknown, bytes]);
    expect([...decodeOtlpLogsRequest(request)]).toEqual(SAMPLE_LOGS);
  });

  it('is picked by the dispatcher for .binpb and .binpb.gz keys of a port', async () => {
    const port = memoryStorage();
    const key = 'otel-raw/acme/collector-1/2026/01/01/logs_1767225600_abc.binpb';
    for (const [name, body] of [
      [key, bytes],
      [`${key}.gz`, gzipSync(bytes)],
    ] as const) {
      const info = await port.put(name, body);
      expect(await collect(decodeObject(port, name, info.size))).toEqual(SAMPLE_LOGS);
    }
    const damaged = gzipSync(bytes.subarray(0, bytes.length - 3));
    const info = await port.put(`${key}.bad.binpb.gz`, damaged);
    const error = await collect(decodeObject(port, `${key}.bad.binpb.gz`, info.size)).catch(
      (err: unknown) => err,
    );
    expect(BucketkitError.is(error, 'Corrupt')).toBe(true);
  });
});
