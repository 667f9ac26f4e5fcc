/** A generated log data set for LogQL tests: six hours, five services of different sizes, logfmt messages. */
import { gzipSync } from 'node:zlib';

export const DAY0 = Date.UTC(2026, 2, 3, 6, 0, 0);
export const NEEDLE = 'needle-7f3a9c';

const SERVICES = [
  ['api', 40],
  ['billing', 25],
  ['search', 20],
  ['auth', 10],
  ['mailer', 5],
] as const;
const LEVELS = [
  ['INFO', 70],
  ['WARN', 15],
  ['ERROR', 10],
  ['DEBUG', 5],
] as const;

export interface DataLine {
  ms: number;
  service: string;
  level: string;
  message: string;
}

function weighted<T extends string>(table: readonly (readonly [T, number])[], r: number): T {
  let left = r * 100;
  for (const [value, weight] of table) {
    left -= weight;
    if (left < 0) return value;
  }
  return table.at(-1)![0];
}

/** `count` lines over six hours from `DAY0`, deterministic for a seed. */
export function dataLines(count: number, seed = 7): DataLine[] {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const span = 6 * 3_600_000;
  const out: DataLine[] = [];
  for (let i = 0; i < count; i++) {
    const ms = DAY0 + Math.floor((i * span) / count) + Math.floor(random() * 1000);
    const service = weighted(SERVICES, random());
    const level = weighted(LEVELS, random());
    const status = level === 'ERROR' ? (random() < 0.7 ? 503 : 500) : random() < 0.9 ? 200 : 404;
    const took = Math.floor(random() * (level === 'ERROR' ? 3000 : 400));
    const id = Math.floor(random() * 0xffffff)
      .toString(16)
      .padStart(6, '0');
    const message =
      i % 4001 === 17
        ? `lookup of ${NEEDLE} failed status=500 took=${took}ms`
        : random() < 0.08
          ? `upstream timeout calling ${service === 'api' ? 'billing' : 'api'} status=${status} took=${took}ms id=req-${id}`
          : `method=GET path="/v1/items/${Math.floor(random() * 500)}" status=${status} took=${took}ms id=req-${id}`;
    out.push({ ms, service, level, message });
  }
  return out;
}

export function dataNdjson(lines: readonly DataLine[]): string {
  return lines
    .map((l) =>
      JSON.stringify({
        timestamp: new Date(l.ms).toISOString(),
        level: l.level,
        message: l.message,
        resource_service_name: l.service,
      }),
    )
    .join('\n');
}

export function dataNdjsonGz(lines: readonly DataLine[]): Uint8Array {
  return gzipSync(dataNdjson(lines));
}
