/**
 * OTLP JSON logs: requests rendered to OTLP/JSON by protobufjs from the official .proto files decode to the
 * same records as their protobuf form — as JSON lines, pretty-printed, with proto field names and enum names,
 * through the dispatcher for `.json`/`.json.gz` keys; anything else is `Corrupt`, never another error.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import {
  type DecodedLog,
  decodeObject,
  decodeOtlpLogsJson,
  decodeOtlpLogsRequest,
  looksLikeOtlpLogsJson,
} from '../../src/lake/index.js';
import { memoryStorage } from '../../src/storage/index.js';
import {
  encodeRequest,
  manyRecords,
  requestAsOtlpJson,
  SAMPLE_LOGS,
  SAMPLE_REQUEST,
} from './otlp-fixtures.js';

async function decode(text: string, chunk = 97): Promise<DecodedLog[]> {
  const bytes = new TextEncoder().encode(text);
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const out: DecodedLog[] = [];
  for await (const log of decodeOtlpLogsJson(chunks(), { source: 'logs.json' })) out.push(log);
  return out;
}

async function outcome(text: string): Promise<string> {
  try {
    return `ok ${(await decode(text)).length}`;
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

/** The same JSON with object keys in proto field names (timeUnixNano → time_unix_nano). */
function snakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      snakeCase(item),
    ]),
  );
}

const json = requestAsOtlpJson(SAMPLE_REQUEST);

describe('OTLP JSON logs decoder', () => {
  it('decodes a request to the records its protobuf form holds', async () => {
    expect(await decode(json)).toEqual(SAMPLE_LOGS);
    expect(await decode(json)).toEqual([...decodeOtlpLogsRequest(encodeRequest(SAMPLE_REQUEST))]);
  });

  it('reads one request per line (the file exporter) and a pretty-printed request', async () => {
    const other = requestAsOtlpJson(manyRecords(25));
    const lines = await decode(`${json}\n\n${other}\n`);
    expect(lines).toHaveLength(SAMPLE_LOGS.length + 25);
    expect(lines.slice(0, SAMPLE_LOGS.length)).toEqual(SAMPLE_LOGS);
    expect(await decode(JSON.stringify(JSON.parse(json), null, 2), 13)).toEqual(SAMPLE_LOGS);
  });

  it('accepts proto field names, enum names, numbers for 64-bit integers and base64 ids', async () => {
    const request = snakeCase(JSON.parse(json)) as {
      resource_logs: { scope_logs: { log_records: object[] }[] }[];
    };
    const records = request.resource_logs[0]!.scope_logs[0]!.log_records as Record<string, unknown>[];
    records[1]!.severity_number = 'SEVERITY_NUMBER_ERROR2';
    records[0]!.trace_id = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex').toString('base64');
    const logs = await decode(JSON.stringify(request));
    expect(logs).toEqual(SAMPLE_LOGS);
    const numeric =
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":1700000000000,"body":{"intValue":5}}]}]}]}';
    expect(await decode(numeric)).toEqual([
      { timestampNs: 1700000000000n, message: '5', resource: {}, scope: {}, attributes: {} },
    ]);
  });

  it('is picked by the dispatcher for OTLP content under .json and .json.gz, plain JSON lines stay NDJSON', async () => {
    const port = memoryStorage();
    const read = async (key: string, body: Uint8Array | string) => {
      const info = await port.put(key, body);
      const names: string[] = [];
      const logs: DecodedLog[] = [];
      for await (const log of decodeObject(port, key, info.size, { onFormat: (f) => names.push(f.name) })) {
        logs.push(log);
      }
      return { format: names[0], logs };
    };
    expect(await read('otel-raw/acme/c1/logs_1.json', json)).toEqual({
      format: 'otlp-json',
      logs: SAMPLE_LOGS,
    });
    expect(await read('otel-raw/acme/c1/logs_2.json.gz', gzipSync(json))).toEqual({
      format: 'otlp-json',
      logs: SAMPLE_LOGS,
    });
    expect((await read('logs-raw/app.json', '{"message":"hi","chq_timestamp":1}\n')).format).toBe('ndjson');
  });

  it('sniffs only a request-shaped start', () => {
    const head = (text: string) => looksLikeOtlpLogsJson(new TextEncoder().encode(text));
    expect(head('  {"resourceLogs": [')).toBe(true);
    expect(head('{\n  "resource_logs" : [')).toBe(true);
    expect(head('{"message":"resourceLogs"}')).toBe(false);
    expect(head('[{"resourceLogs":[]}]')).toBe(false);
  });

  it('refuses what is not an OTLP request as Corrupt', async () => {
    for (const text of [
      json.slice(0, json.length - 5), // truncated
      `${json}\n${json.slice(0, 40)}`, // truncated second line
      '{"resourceLogs":{}}',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"12x"}}]}]}]}',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"-1"}]}]}]}',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]}',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"%%%"}}]}]}]}',
      '{"resourceLogs":[{"resource":{"attributes":[{"key":1}]}}]}',
      '[1,2,3]',
      `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(100)}{}${']}}'.repeat(100)}}]}]}]}`,
      `${'['.repeat(100_000)}`,
    ]) {
      expect(await outcome(text), text.slice(0, 80)).toBe('Corrupt');
    }
  });

  it('mutated requests decode or are Corrupt', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.nat(json.length - 1), fc.constantFrom('', '"', '{', '}', '[', ']', ',', ':', '1', 'x')),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (edits) => {
          let text = json;
          for (const [at, value] of edits) text = text.slice(0, at) + value + text.slice(at + 1);
          expect(await outcome(text)).toMatch(/^(ok \d+|Corrupt)$/);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
