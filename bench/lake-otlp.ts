/**
 * OTLP protobuf logs decode speed: the lake's wire reader (`decodeOtlpLogsRequest`, all the way to
 * `DecodedLog`s with attributes rendered) against protobufjs decoding the same bytes from the official
 * .proto files (to its message objects only, and with `toObject` as a comparable plain-object result).
 *
 *   npx tsx bench/lake-otlp.ts          # 100 k records in 100 ResourceLogs, best of 5, CPU time
 */
import { decodeOtlpLogsRequest } from '../src/lake/index.js';
import { ExportLogsServiceRequest, encodeRequest } from '../test/lake/otlp-fixtures.js';

const RECORDS = 100_000;
const RUNS = 5;
const str = (stringValue: string) => ({ stringValue });
const request = {
  resourceLogs: Array.from({ length: 100 }, (_, r) => ({
    resource: {
      attributes: [
        { key: 'service.name', value: str(`svc-${r % 7}`) },
        { key: 'k8s.pod.name', value: str(`pod-${r}-7f9c9d`) },
        { key: 'k8s.namespace.name', value: str('prod') },
      ],
    },
    scopeLogs: [
      {
        scope: { name: 'app.logger', version: '1.0.0' },
        logRecords: Array.from({ length: RECORDS / 100 }, (_, i) => ({
          timeUnixNano: String(1767225600000000000n + BigInt(r * 1000 + i)),
          severityNumber: 9,
          severityText: 'INFO',
          body: str(`request ${r * 1000 + i} GET /api/v1/users/${i} completed in ${i % 900}ms status=200 ok`),
          attributes: [
            { key: 'http.method', value: str('GET') },
            { key: 'http.status_code', value: { intValue: '200' } },
          ],
          traceId: Buffer.alloc(16, i),
          spanId: Buffer.alloc(8, r),
        })),
      },
    ],
  })),
};
const bytes = encodeRequest(request);

function best(run: () => number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const before = process.cpuUsage();
    if (run() !== RECORDS) throw new Error('wrong record count');
    const used = process.cpuUsage(before);
    min = Math.min(min, (used.user + used.system) / 1e6);
  }
  return min;
}

const ours = best(() => {
  let n = 0;
  for (const _ of decodeOtlpLogsRequest(bytes)) n++;
  return n;
});
const oursKept = best(() => [...decodeOtlpLogsRequest(bytes)].length);
const countRecords = (message: { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }) =>
  message.resourceLogs.reduce((n, r) => n + r.scopeLogs.reduce((m, s) => m + s.logRecords.length, 0), 0);
const pbDecode = best(() => countRecords(ExportLogsServiceRequest.decode(bytes) as never));
const pbObject = best(() =>
  countRecords(
    ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(bytes), {
      longs: String,
      bytes: String,
    }) as never,
  ),
);

const row = (name: string, seconds: number) =>
  `| ${name} | ${(RECORDS / seconds / 1000).toFixed(0)} | ${(bytes.length / seconds / 1e6).toFixed(0)} |`;
process.stdout.write(
  `${RECORDS} records, ${(bytes.length / 1e6).toFixed(1)} MB request, best of ${RUNS}, CPU time\n\n`,
);
process.stdout.write('| decoder | k records/CPU-s | MB/CPU-s |\n|---|---|---|\n');
process.stdout.write(`${row('lake wire reader → DecodedLog, streamed', ours)}\n`);
process.stdout.write(`${row('lake wire reader → DecodedLog, all kept in an array', oursKept)}\n`);
process.stdout.write(`${row('protobufjs decode (message objects)', pbDecode)}\n`);
process.stdout.write(`${row('protobufjs decode + toObject', pbObject)}\n`);
