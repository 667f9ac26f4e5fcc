/**
 * The lake benchmark's data set: one UTC day of application logs as NDJSON.gz files, the shape a
 * collector drops in a bucket (one file per time slice, services interleaved). Deterministic (seeded),
 * cached on disk: a rerun with the same size finds the files and skips generation.
 *
 * Lines are ~280 B of JSON with a ~100 B message: 24 services with skewed traffic, levels
 * INFO/DEBUG/WARN/ERROR at 80/8/8/4 %, request ids, UUIDs, IPv4s, durations, sizes, k8s pods.
 * Three lines hold the rare order id `NEEDLE_ID` (13:05, 13:20 and 13:45 UTC), for needle queries.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const DAY_MS = Date.UTC(2026, 0, 2);
export const NEEDLE_ID = 'ord-5e1f0c2a9d';
export const NEEDLE_TIMES = [13 * 60 + 5, 13 * 60 + 20, 13 * 60 + 45].map((m) => DAY_MS + m * 60_000 + 777);

const SERVICES = [
  'api-gateway',
  'checkout',
  'payments',
  'cart',
  'catalog',
  'search',
  'inventory',
  'shipping',
  'users',
  'auth',
  'notifications',
  'email',
  'recommendations',
  'pricing',
  'orders',
  'reviews',
  'media',
  'billing',
  'fraud',
  'ledger',
  'analytics',
  'scheduler',
  'webhooks',
  'ingest-worker',
];
const NAMESPACES = ['shop', 'payments', 'platform', 'data'];
const ROUTES = [
  '/api/v1/orders',
  '/api/v1/cart',
  '/api/v2/products',
  '/api/v1/users',
  '/healthz',
  '/api/v1/search',
];
const POD_SUFFIXES = ['x7k2p', 'q9d4m', 'b3n8v'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];

/** A small fast PRNG (mulberry32), so the data set is the same on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const hex = (n: number) => {
    let s = '';
    while (s.length < n) s += int(0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, n);
  };
  return { next, int, hex };
}

type Rand = ReturnType<typeof prng>;

const ip = (r: Rand) => `10.${r.int(4)}.${r.int(256)}.${r.int(256)}`;
const uuid = (r: Rand) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`;
const ms = (r: Rand) => Math.floor(1 + r.next() ** 3 * 4000);

/** Message templates by level; each returns a ~70–130 B line. */
const INFO: ((r: Rand) => string)[] = [
  (r) =>
    `${METHODS[r.int(6)]} ${ROUTES[r.int(6)]}/${r.int(1e6)} 200 ${ms(r)}ms bytes=${r.int(90000)} client=${ip(r)} req=${r.hex(16)}`,
  (r) =>
    `user u-${r.int(5e6)} logged in from ${ip(r)} via oauth session=${r.hex(24)} mfa=${r.int(2) ? 'true' : 'false'}`,
  (r) =>
    `order ord-${r.hex(10)} created items=${1 + r.int(9)} total=${r.int(500)}.${r.int(100)} EUR customer=c-${r.int(9e5)}`,
  (r) =>
    `payment ${uuid(r)} authorised amount=${r.int(900)}.${r.int(100)} card=****${1000 + r.int(9000)} in ${ms(r)}ms`,
  (r) =>
    `worker ${r.int(32)} processed batch ${r.hex(12)} of ${r.int(5000)} messages in ${ms(r)}ms lag=${r.int(300)}`,
  (r) =>
    `cache hit ratio ${r.int(100)}.${r.int(10)}% for product:${r.int(2e5)} on redis-${r.int(6)} (${r.int(900)} keys)`,
];
const DEBUG: ((r: Rand) => string)[] = [
  (r) => `cache miss key=product:${r.int(2e5)} backend=redis-${r.int(6)} took ${ms(r)}ms, falling back to db`,
  (r) =>
    `resolved upstream inventory.shop.svc.cluster.local to ${ip(r)} ttl=${r.int(300)}s attempt=${1 + r.int(3)}`,
];
const WARN: ((r: Rand) => string)[] = [
  (r) =>
    `slow query on orders_db took ${ms(r) * 3}ms rows=${r.int(1e5)} query_id=${r.hex(16)} client=${ip(r)}`,
  (r) => `retrying request to payments-api attempt ${1 + r.int(4)}/5 after ${ms(r)}ms trace=${r.hex(32)}`,
];
const ERROR: ((r: Rand) => string)[] = [
  (r) =>
    `connection to postgres-${r.int(4)}.db.svc:5432 timed out after ${ms(r) * 5}ms (attempt ${1 + r.int(5)}/5) pool=${r.int(64)}`,
  (r) =>
    `failed to publish event order.created id=${uuid(r)}: broker unavailable, queued ${r.int(9000)} events`,
  (r) =>
    `POST /api/v1/checkout/${r.int(1e6)} 500 ${ms(r)}ms error="upstream reset" client=${ip(r)} req=${r.hex(16)}`,
];

function pick<T>(r: Rand, weighted: readonly T[]): T {
  // skewed: low indexes carry more traffic
  return weighted[Math.floor(r.next() ** 2 * weighted.length)]!;
}

/** One log line as JSON text. */
function line(r: Rand, timeMs: number, micros: number, message?: string): string {
  const service = pick(r, SERVICES);
  const roll = r.next();
  const [level, templates] =
    roll < 0.8
      ? ['INFO', INFO]
      : roll < 0.88
        ? ['DEBUG', DEBUG]
        : roll < 0.96
          ? ['WARN', WARN]
          : ['ERROR', ERROR];
  const text = message ?? templates[r.int(templates.length)]!(r);
  const iso = `${new Date(timeMs).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
  const ns = NAMESPACES[SERVICES.indexOf(service) % NAMESPACES.length]!;
  return JSON.stringify({
    timestamp: iso,
    level: message ? 'ERROR' : level,
    message: text,
    resource_service_name: service,
    resource_k8s_namespace_name: ns,
    resource_k8s_pod_name: `${service}-${(SERVICES.indexOf(service) * 7919).toString(36)}-${POD_SUFFIXES[r.int(3)]}`,
  });
}

export interface DataSet {
  dir: string;
  files: string[];
  lines: number;
  rawBytes: number;
}

/**
 * The data set of `lines` lines in `files` files under `root`, generated unless a complete one is there.
 *
 * @example
 * ```ts
 * const data = await dayDataSet('.tmp/lake-bench', 1_000_000, 10);
 * ```
 */
export async function dayDataSet(
  root: string,
  lines: number,
  files: number,
  log: (text: string) => void = () => {},
): Promise<DataSet> {
  const dir = join(root, `raw-${lines}-${files}`);
  const doneFile = join(dir, 'DONE.json');
  try {
    return { dir, ...(JSON.parse(await readFile(doneFile, 'utf8')) as Omit<DataSet, 'dir'>) };
  } catch {
    // not generated yet (or interrupted): generate again
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  const sliceMs = 86_400_000 / files;
  let written = 0;
  for (let f = 0; f < files; f++) {
    const count = Math.floor(((f + 1) * lines) / files) - Math.floor((f * lines) / files);
    const name = `app-${String(f).padStart(4, '0')}.ndjson.gz`;
    written += await writeSlice(join(dir, name), f + 1, DAY_MS + f * sliceMs, sliceMs, count);
    names.push(name);
    log(`generated ${name} (${written.toLocaleString('en')} of ${lines.toLocaleString('en')} lines)`);
  }
  let rawBytes = 0;
  for (const name of await readdir(dir)) rawBytes += (await stat(join(dir, name))).size;
  const info = { files: names, lines: written, rawBytes };
  await writeFile(`${doneFile}.tmp`, JSON.stringify(info));
  await rename(`${doneFile}.tmp`, doneFile);
  return { dir, ...info };
}

/** Writes one file; returns its line count (`count`, plus the needles that fall in its slice). */
async function writeSlice(path: string, seed: number, startMs: number, sliceMs: number, count: number) {
  const r = prng(seed * 7_919);
  const needles = NEEDLE_TIMES.filter((t) => t >= startMs && t < startMs + sliceMs);
  const total = count + needles.length;
  async function* text() {
    let batch: string[] = [];
    for (let i = 0; i < count; i++) {
      const exact = startMs + (i * sliceMs) / count;
      const t = Math.floor(exact + r.next() * 50);
      while (needles.length > 0 && needles[0]! <= t) {
        const at = needles.shift()!;
        batch.push(
          line(r, at, 0, `refund for order ${NEEDLE_ID} failed: card issuer declined, code=05 attempt 3/3`),
        );
      }
      batch.push(line(r, t, r.int(1000)));
      if (batch.length === 2000) {
        yield `${batch.join('\n')}\n`;
        batch = [];
      }
    }
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }
  await pipeline(text(), createGzip({ level: 6 }), createWriteStream(path));
  return total;
}
