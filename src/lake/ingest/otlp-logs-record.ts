import { type OtlpMap, toDecodedRecord } from '../otlp/any-value.js';
import type { DecodedLog, DecodedValue } from './decoded.js';

/** A log record as both OTLP encodings (protobuf, JSON) read it, before it becomes a `DecodedLog`. */
export interface OtlpRecordParts {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  /** `severity_text`, else the name of `severity_number`'s range, else ''. */
  readonly level: string;
  readonly body: string;
  readonly attributes: OtlpMap;
  readonly traceId?: Uint8Array | undefined;
  readonly spanId?: Uint8Array | undefined;
}

const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/**
 * The level a record without `severity_text` gets from its `severity_number` (1–4 TRACE, 5–8 DEBUG,
 * 9–12 INFO, 13–16 WARN, 17–20 ERROR, 21–24 FATAL), or '' when unset or out of range.
 *
 * @example
 * ```ts
 * levelOfSeverityNumber(14); // 'WARN'
 * ```
 */
export function levelOfSeverityNumber(severityNumber: number): string {
  if (!Number.isInteger(severityNumber) || severityNumber < 1 || severityNumber > 24) return '';
  return SEVERITY_NAMES[Math.floor((severityNumber - 1) / 4)]!;
}

/**
 * The hand-off record: the event time is `time_unix_nano`, else `observed_time_unix_nano` (0 means unset);
 * non-empty trace and span ids go in as the `trace_id`/`span_id` columns (lowercase hex).
 */
export function toDecodedLog(
  parts: OtlpRecordParts,
  resource: Readonly<Record<string, DecodedValue>>,
  scope: Readonly<Record<string, DecodedValue>>,
): DecodedLog {
  const time = parts.timeUnixNano !== 0n ? parts.timeUnixNano : parts.observedTimeUnixNano;
  let columns: Record<string, DecodedValue> | undefined;
  if (parts.traceId?.length || parts.spanId?.length) {
    columns = Object.create(null) as Record<string, DecodedValue>;
    if (parts.traceId?.length) columns.trace_id = hex(parts.traceId);
    if (parts.spanId?.length) columns.span_id = hex(parts.spanId);
  }
  // one object shape for every record (absent fields undefined), which V8 handles fastest
  return {
    timestampNs: time !== 0n ? time : undefined,
    message: parts.body,
    level: parts.level || undefined,
    resource,
    scope,
    attributes: toDecodedRecord(parts.attributes),
    columns,
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte];
  return out;
}
