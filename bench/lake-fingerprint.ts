/**
 * Log fingerprint speed: messages per CPU-second of `createLogFingerprinter()` on generated log lines, so
 * the fingerprint can be checked not to bottleneck ingest (goal ≥ 300 k messages/s per core; the ingest goal
 * is 60 k rows/s per core with the TypeScript engine).
 *
 *   npx tsx bench/lake-fingerprint.ts                  # 200 k messages per set, best of 5 runs
 *   BENCH_MESSAGES=1000000 npx tsx bench/lake-fingerprint.ts
 *
 * Sets: `plain` (≈ 100-byte lines from 24 templates with ids, IPs, durations, paths, UUIDs), `json` (JSON
 * bodies with level/msg and nested keys), `mixed` (80 % plain, 20 % json). A baseline row hashes the raw
 * message with the same xxhash64 (what a fingerprint costs at the very least). Times are CPU time of this
 * process (`process.cpuUsage`), so a loaded machine shows less than it would wall-clock.
 */
import xxhash from 'xxhash-wasm';
import { createLogFingerprinter } from '../src/lake/fingerprint/index.js';
import { randomText } from './random-text.js';

const COUNT = Number(process.env.BENCH_MESSAGES) > 0 ? Number(process.env.BENCH_MESSAGES) : 200_000;
const RUNS = 5;

const { next, pick, hex, ip } = randomText(0x2545f491);
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const ms = () => `${next() % 2000}ms`;
const services = ['checkout', 'payments', 'auth', 'catalog', 'search', 'gateway', 'inventory', 'email'];
const levels = ['INFO', 'WARN', 'ERROR', 'DEBUG'];

const PLAIN: (() => string)[] = [
  () =>
    `${pick(levels)} request ${uuid()} GET /api/v1/users/${next() % 99999} completed in ${ms()} status=200`,
  () => `${pick(levels)} connection to ${ip()}:5432 refused after ${ms()}, retrying (attempt ${next() % 5})`,
  () => `user ${next() % 100000} logged in from ${ip()} session=${hex(16)}`,
  () =>
    `${new Date(1.7e12 + next()).toISOString()} ${pick(levels)} [${pick(services)}] cache miss key=item:${next()}`,
  () => `POST /checkout/${hex(12)} 502 upstream ${pick(services)}.svc.cluster.local timed out after ${ms()}`,
  () => `payment ${uuid()} declined: card issuer returned code ${next() % 100} for order ${next()}`,
  () => `GC pause ${next() % 400}ms heap ${next() % 4096}MB -> ${next() % 4096}MB`,
  () => `worker-${next() % 32} picked job ${hex(10)} from queue "${pick(services)}" (lag ${ms()})`,
  () => `failed to open /var/lib/${pick(services)}/data-${next() % 9}.db: permission denied`,
  () => `handleHttpRequest done method=GET path=/items/${next() % 999} bytes=${next() % 99999}`,
  () =>
    `Started ${pick(services)} v1.${next() % 20}.${next() % 9} on port ${8000 + (next() % 100)} in 1.${next() % 9}s`,
  () =>
    `${ip()} - - [10/Oct/2026:13:55:${10 + (next() % 49)} +0000] "GET /img/${hex(6)}.png HTTP/1.1" 200 ${next() % 9999}`,
  () => `email sent to user${next() % 9999}@example.com template=welcome id=${uuid()}`,
  () => `rate limit exceeded for tenant ${hex(8)}: ${next() % 1000} requests in 60s`,
  () => `java.lang.IllegalStateException: pool exhausted (size=${next() % 64}, waiting=${next() % 99})`,
  () => `fetch https://api.example.com/v2/items?page=${next() % 50}&limit=100 took ${ms()}`,
  () => `${pick(levels)}: disk usage ${next() % 100}% on /dev/sda${next() % 4} (${next() % 500}GB free)`,
  () =>
    `kafka consumer group ${pick(services)} rebalanced partitions [${next() % 9}, ${next() % 9}, ${next() % 9}]`,
  () => `order ${next()} shipped to warehouse ${pick(['east', 'west', 'north'])} eta ${next() % 72}h`,
  () =>
    `TLS handshake with ${ip()}:443 failed: certificate expired on 2026-0${1 + (next() % 9)}-1${next() % 9}`,
  () => `trace ${hex(32)} span ${hex(16)} exported ${next() % 512} spans`,
  () => `${pick(levels)} scheduler tick took ${(next() % 1000) / 100}s, ${next() % 40} pods pending`,
  () => `\u001b[32mINFO\u001b[0m health check ok (${ms()})`,
  () => `could not resolve host ${pick(services)}-${hex(5)}.internal: no such host`,
];
const JSON_LINES: (() => string)[] = [
  () =>
    JSON.stringify({
      level: pick(levels).toLowerCase(),
      ts: 1.7e9 + next(),
      msg: `request completed in ${ms()}`,
      http: { method: 'GET', path: `/users/${next() % 999}`, status: 200 },
      service: pick(services),
    }),
  () =>
    JSON.stringify({
      time: new Date(1.7e12 + next()).toISOString(),
      severity: 'info',
      message: `job ${hex(10)} finished`,
      ctx: { worker: next() % 32, attempt: next() % 5, tenant: hex(8) },
    }),
];

function build(plainShare: number): string[] {
  return Array.from({ length: COUNT }, () => (next() % 100 < plainShare ? pick(PLAIN) : pick(JSON_LINES))());
}

function cpuSeconds(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

const fingerprint = await createLogFingerprinter();
const { h64 } = await xxhash();
const sets = { plain: build(100), json: build(0), mixed: build(80) };
const rows: string[][] = [];
let checksum = 0n; // printed, so the loops cannot be optimised away
for (const [name, messages] of Object.entries(sets)) {
  const bytes = messages.reduce((sum, message) => sum + message.length, 0) / messages.length;
  let sink = 0n;
  const fingerprintBest = Math.min(
    ...Array.from({ length: RUNS }, () =>
      cpuSeconds(() => {
        for (const message of messages) sink ^= fingerprint(message);
      }),
    ),
  );
  const hashBest = Math.min(
    ...Array.from({ length: RUNS }, () =>
      cpuSeconds(() => {
        for (const message of messages) sink ^= h64(message);
      }),
    ),
  );
  const patterns = new Set(messages.map(fingerprint)).size;
  rows.push([
    name,
    bytes.toFixed(0),
    (COUNT / fingerprintBest / 1000).toFixed(0),
    (COUNT / hashBest / 1000).toFixed(0),
    (hashBest / fingerprintBest).toFixed(2),
    String(patterns),
  ]);
  checksum ^= sink;
}

const header = [
  'set',
  'avg bytes',
  'fingerprint k msg/CPU-s',
  'xxhash64 only k msg/CPU-s',
  'ratio',
  'patterns',
];
process.stdout.write(`${COUNT} messages per set, best of ${RUNS} runs, Node ${process.version}\n\n`);
process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
process.stdout.write(`\n(xor of all ids: ${checksum})\n`);
