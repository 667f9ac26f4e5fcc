/**
 * LakeRunner's detection of the timestamp, message and level columns by name (CSV, JSON lines, Parquet).
 * Names are compared lowercased; the first name of a list that a record has (and that parses) wins.
 */

/** Timestamp columns, in LakeRunner's CSV order. */
export const TIMESTAMP_NAMES: readonly string[] = [
  'timestamp',
  'time',
  'datetime',
  'date',
  'publish_time',
  'event_timestamp',
  'created_at',
  'updated_at',
  '@timestamp',
  'ts',
  'eventtime',
  'event_time',
];

/** Message columns (LakeRunner's Parquet list; CSV's `data` comes first for CSV). */
export const MESSAGE_NAMES: readonly string[] = [
  'message',
  'msg',
  'body',
  'log',
  'log_message',
  'text',
  'content',
  'event',
  'raw',
];

/** Level columns. */
export const LEVEL_NAMES: readonly string[] = [
  'severity_text',
  'level',
  'log_level',
  'loglevel',
  'severity',
  'sev',
  'lvl',
];

/**
 * The first of `names` present in `lowerNames` (a map from lowercased name to the name as written).
 *
 * @example
 * ```ts
 * firstPresent(new Map([['msg', 'Msg']]), MESSAGE_NAMES); // 'Msg'
 * ```
 */
export function firstPresent(
  lowerNames: ReadonlyMap<string, string>,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const written = lowerNames.get(name);
    if (written !== undefined) return written;
  }
  return undefined;
}
