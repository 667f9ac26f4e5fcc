/** Generated raw log files for lake tests: deterministic, realistic enough (services, levels, ids). */
import { gzipSync } from 'node:zlib';

export const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
export const SERVICES = ['api', 'billing', 'search'] as const;
export const LEVELS = ['INFO', 'WARN', 'ERROR'] as const;

export interface RawLine {
  ms: number;
  service: string;
  level: string;
  msg: string;
}

/** `count` lines starting at `startMs`, one every `everyMs`, numbered from `first`. */
export function rawLines(count: number, startMs = T0, everyMs = 1000, first = 0): RawLine[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return {
      ms: startMs + k * everyMs,
      service: SERVICES[i % 3]!,
      level: LEVELS[Math.floor(i / 3) % 3]!,
      msg: `request ${i} from 10.0.${i % 256}.${(i * 7) % 256} took ${i % 97}ms id=req-${i}`,
    };
  });
}

export function ndjsonGz(lines: readonly RawLine[]): Uint8Array {
  const text = lines
    .map((l) =>
      JSON.stringify({
        timestamp: new Date(l.ms).toISOString(),
        level: l.level,
        message: l.msg,
        resource_service_name: l.service,
        user: { n: l.ms % 5 },
      }),
    )
    .join('\n');
  return gzipSync(text);
}

export function csvText(lines: readonly RawLine[]): string {
  const rows = lines.map((l) => `${l.ms},${l.level},"${l.msg.replaceAll('"', '""')}",${l.service}`);
  return `timestamp,level,data,service\n${rows.join('\n')}\n`;
}
