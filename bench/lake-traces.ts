/**
 * Trace ingest speed and size, and the cost of a trace lookup, TypeScript engine on the file port. 20,000
 * checkout traces of 4 spans (the test fixture's: HTTP server, database, messaging, internal), made and
 * serialized by the OpenTelemetry JS SDK into one OTLP protobuf object: decode + cook (span rows,
 * fingerprint) + ZSTD Parquet + trace-id filter + index.
 *
 *   npx tsx bench/lake-traces.ts      # spans/CPU-s, bytes per span, trace(id) requests and ms
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLake } from '../src/lake/index.js';
import { fileStorage } from '../src/storage/index.js';
import {
  counterIds,
  recordCheckout,
  sdkSpans,
  T0_MS,
  tracesProtobuf,
} from '../test/lake/traces/trace-fixtures.js';

const TRACES = Number(process.env.BENCH_TRACES ?? 20_000);
const FILES = 4;

const dir = await mkdtemp(join(tmpdir(), 'bench-lake-traces-'));
try {
  const port = fileStorage(join(dir, 'bucket'));
  const lake = openLake(port, { engine: 'typescript' });
  let rawBytes = 0;
  const per = TRACES / FILES;
  for (let f = 0; f < FILES; f++) {
    const spans = await sdkSpans(
      (p) => {
        for (let i = 0; i < per; i++) recordCheckout(p, T0_MS + (f * per + i) * 100, 50 + (i % 400));
      },
      `service-${f % 2}`,
      counterIds(1 + f * per),
    );
    const body = tracesProtobuf(spans);
    rawBytes += body.byteLength;
    await port.put(`otel-raw/acme/c1/traces_${f}.binpb`, body);
  }
  const cpu0 = process.cpuUsage();
  let spans = 0;
  let stored = 0;
  for (let f = 0; f < FILES; f++) {
    const result = await lake.ingestTraces(`otel-raw/acme/c1/traces_${f}.binpb`);
    spans += result.spans;
    for (const s of result.segments) stored += s.bytes;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `ingest: ${spans} spans in ${cpuSeconds.toFixed(2)} CPU-s = ${Math.round(spans / cpuSeconds)} spans/CPU-s`,
  );
  console.log(
    `stored: ${(stored / spans).toFixed(1)} B/span (OTLP protobuf ${(rawBytes / spans).toFixed(1)} B/span)`,
  );
  const times: number[] = [];
  let last = { requests: 0, bytesRead: 0, segmentsRead: 0 };
  for (let k = 0; k < 20; k++) {
    const id = (1 + ((k * 7919) % TRACES)).toString(16).padStart(32, '0');
    const t0 = performance.now();
    const { stats } = await lake.trace(id, { org: 'acme', from: T0_MS, to: T0_MS + TRACES * 100 + 60_000 });
    times.push(performance.now() - t0);
    last = stats;
  }
  times.sort((a, b) => a - b);
  console.log(
    `trace(id): p50 ${times[10]!.toFixed(1)} ms; ${last.segmentsRead} of ${FILES} segments, ${last.requests} requests, ${last.bytesRead} bytes`,
  );
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
