/**
 * The DuckDB engine's segment writer moves a buffer's columns in as numbers (times and fingerprints as
 * 32-bit words, text as dictionary codes, messages as UTF-8 bytes) and rebuilds them in SQL. Its files
 * must read back exactly as the TypeScript writer's: same columns, types, order and values, including
 * the edges of that transfer (negative 64-bit values, rows without a fingerprint or a level, text past a
 * column's dictionary cap, NUL and U+FEFF in messages and labels, characters beyond U+FFFF).
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LakeEngine } from '../../src/lake/engines/engine.js';
import type { CookedLog } from '../../src/lake/ingest/normalise.js';
import { EXACT_TEXT_PARSERS } from '../../src/lake/parquet/exact-text.js';
import { loadZstd, type ZstdCodec } from '../../src/lake/parquet/zstd.js';
import { LogBuffer } from '../../src/lake/segments/log-buffer.js';
import { writeAggFile, writeTableFile } from '../../src/lake/segments/write.js';

const STREAM = 'resource_service_name';
const SERVICES = ['api', 'billing', '\uFEFFbom-led', 'nul\u0000inside', 'émoji-😀'];

function rows(count: number): CookedLog[] {
  return Array.from({ length: count }, (_, i) => {
    const ms = 1_767_312_000_000 + Math.floor(i / 3) * 7_000; // ties every three rows
    const fields: Record<string, string> = { [STREAM]: SERVICES[i % SERVICES.length]! };
    if (i % 4 !== 0) fields.attr_request = `req-${i}`; // > 4,096 distinct: past the dictionary cap
    if (i % 6 === 0) fields.resource_k8s_pod_name = `pod-${i % 9}`;
    return {
      chq_timestamp: ms,
      chq_tsns: BigInt(ms) * 1_000_000n + BigInt(i % 999_983),
      // negative and positive, low words with the top bit set, some rows without one
      chq_fingerprint: i % 13 === 0 ? null : (BigInt(i % 17) - 8n) * 0x1_8000_0001n,
      chq_telemetry_type: 'logs',
      chq_customer_id: 'acme',
      log_message: i % 50 === 0 ? `\uFEFFbom ${i}\u0000nul 😀` : `request ${i} took ${i % 313}ms`,
      log_level: i % 11 === 0 ? null : ['INFO', 'WARN', 'ERROR'][i % 3]!,
      fields,
    };
  });
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function read(bytes: Uint8Array, zstd: ZstdCodec) {
  const file = buffer(bytes);
  const objects = await parquetReadObjects({
    file,
    compressors: { ZSTD: (b, n) => zstd.decompress(b, n) },
    parsers: EXACT_TEXT_PARSERS, // hyparquet's own decoder would drop a leading U+FEFF
  });
  // as test/lake/engines.test.ts compares them (the writers' converted_type annotations differ)
  const schema = parquetMetadata(file)
    .schema.slice(1)
    .map((c) => [c.name, c.type, c.logical_type?.type ?? null]);
  return { objects, schema };
}

describe('the DuckDB segment writer', () => {
  let engine: LakeEngine;
  let zstd: ZstdCodec;
  beforeAll(async () => {
    const { openDuckdbEngine } = await import('../../src/lake/engines/duckdb/engine.js');
    engine = await openDuckdbEngine();
    zstd = await loadZstd();
  });
  afterAll(async () => {
    await engine?.close?.();
  });

  it('writes the rows, schema and order the TypeScript writer does, past the dictionary cap and at the edges', async () => {
    const input = rows(6000);
    const buffered = LogBuffer.of(input);
    const duck = await engine.writeSegment!(buffered, STREAM);
    const ts = {
      table: writeTableFile(LogBuffer.of(input), STREAM, zstd),
      agg: writeAggFile(LogBuffer.of(input), STREAM, zstd),
    };
    const [duckTable, tsTable] = [await read(duck.table, zstd), await read(ts.table, zstd)];
    expect(duckTable.schema).toEqual(tsTable.schema);
    expect(duckTable.objects).toHaveLength(input.length);
    expect(duckTable.objects).toEqual(tsTable.objects);
    const [duckAgg, tsAgg] = [await read(duck.agg, zstd), await read(ts.agg, zstd)];
    expect(duckAgg.objects).toEqual(tsAgg.objects);
    // what went through each path came back: a message with NUL and U+FEFF, a label with NUL
    const messages = duckTable.objects.map((r) => r.log_message);
    expect(messages.filter((m) => m === '\uFEFFbom 0\u0000nul 😀')).toHaveLength(1);
    expect(duckTable.objects.filter((r) => r[STREAM] === 'nul\u0000inside')).toHaveLength(1200);
    expect(duckTable.objects.filter((r) => r[STREAM] === '\uFEFFbom-led')).toHaveLength(1200);
    expect(duckTable.objects.filter((r) => r.chq_fingerprint === null)).toHaveLength(462);
  });

  it('writes a segment whose rows have no level and no fields', async () => {
    const input = rows(50).map((r) => ({ ...r, log_level: null, fields: {} }));
    const duck = await engine.writeSegment!(LogBuffer.of(input), STREAM);
    const ts = writeTableFile(LogBuffer.of(input), STREAM, zstd);
    expect((await read(duck.table, zstd)).objects).toEqual((await read(ts, zstd)).objects);
  });
});
