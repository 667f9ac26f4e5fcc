/**
 * CSV (`.csv`, `.csv.gz`) with LakeRunner's rules: header names are normalised (duplicates get `_2`,
 * `_3`, ...); column `data` is the message; the first parsable of the timestamp columns (by name, in
 * LakeRunner's order) is the time, else now; every other column becomes `log_<name>` (so `level` is
 * `log_level` and `message` is `log_message` when there is no `data`); `resource_service_name` is
 * `csv-import`. A record with the wrong number of fields is a bad row.
 */
import { normaliseName } from '../names.js';
import { type CsvParseOptions, csvRecords } from './csv-parse.js';
import type { DecodedLog, DecodedValue } from './decoded.js';
import { TIMESTAMP_NAMES } from './detect.js';
import type { DecoderInput, LogFormat } from './formats.js';
import { parseTimestampNs } from './timestamp.js';

/** The CSV format entry for the dispatcher. */
export const csvFormat: LogFormat = {
  name: 'csv',
  suffixes: ['.csv'],
  gzip: true,
  decode: (input) => decodeCsv(input),
};

const CSV_RESOURCE = { 'service.name': 'csv-import' } as const;

/** Header names as LakeRunner cooks them: normalised, duplicates suffixed `_2`, `_3`, ... */
export function csvColumnNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const base = normaliseName(raw.trim()) || `column_${i + 1}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}

async function* decodeCsv(input: DecoderInput, options: CsvParseOptions = {}): AsyncGenerator<DecodedLog> {
  let names: string[] | undefined;
  let plan: CsvPlan | undefined;
  for await (const record of csvRecords(input.chunks(), options)) {
    if ('bad' in record) {
      input.badRow(record.bad);
      continue;
    }
    if (names === undefined || plan === undefined) {
      names = csvColumnNames(record);
      plan = planColumns(names);
      continue;
    }
    if (record.length !== names.length) {
      input.badRow(`${record.length} fields where the header has ${names.length}`);
      continue;
    }
    yield csvRowToLog(record, names, plan);
  }
}

interface CsvPlan {
  message: number;
  timestamps: number[];
}

function planColumns(names: readonly string[]): CsvPlan {
  const normalisedTimestamps = TIMESTAMP_NAMES.map(normaliseName);
  const timestamps = normalisedTimestamps.map((n) => names.indexOf(n)).filter((i) => i >= 0);
  return { message: names.indexOf('data'), timestamps };
}

function csvRowToLog(record: readonly string[], names: readonly string[], plan: CsvPlan): DecodedLog {
  let timestampNs: bigint | undefined;
  for (const i of plan.timestamps) {
    timestampNs = parseTimestampNs(record[i]);
    if (timestampNs !== undefined) break;
  }
  const columns: Record<string, DecodedValue> = {};
  let message = '';
  let level: string | undefined;
  for (let i = 0; i < names.length; i++) {
    const value = record[i]!;
    if (i === plan.message) message = value;
    else if (value !== '') columns[`log_${names[i]}`] = value;
  }
  if (plan.message < 0 && typeof columns.log_message === 'string') message = columns.log_message;
  if (typeof columns.log_level === 'string') level = columns.log_level;
  delete columns.log_message;
  delete columns.log_level;
  return {
    ...(timestampNs === undefined ? {} : { timestampNs }),
    message,
    ...(level === undefined ? {} : { level }),
    resource: CSV_RESOURCE,
    scope: {},
    attributes: {},
    columns,
  };
}
