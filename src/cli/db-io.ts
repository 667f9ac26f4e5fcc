/**
 * What `bucketkit db` reads and prints: JSON arguments, `--where` filters, records as tables, and
 * records as JSON lines or CSV (the formats of `export` and `import`).
 */
import type { FieldSpec } from '../db/index.js';
import { UsageError } from './output.js';

type Row = Record<string, unknown>;

/** A JSON object given on the command line (or stdin); wrong input is a usage error (exit 2). */
export function jsonObject(text: string, what: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`db: ${what} is not JSON (${reason})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`db: ${what} must be a JSON object, e.g. '{"name":"Ada"}'`);
  }
  return value as Row;
}

/**
 * `--where F=V` (V read as JSON when it parses: `age=36` is a number, `name=Ada` a string) merged
 * with `--filter JSON`.
 */
export function filterOf(where: readonly string[] | undefined, filter: string | undefined): Row {
  const out: Row = filter === undefined ? {} : jsonObject(filter, '--filter');
  for (const item of where ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`db: --where "${item}" must be FIELD=VALUE`);
    out[item.slice(0, at)] = scalar(item.slice(at + 1));
  }
  return out;
}

function scalar(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? text : value;
  } catch {
    return text;
  }
}

/** The value at a dot path. */
function at(record: Row, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Row)[part];
  }
  return value;
}

/** A cell: strings as they are, other values as JSON, nothing as empty. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const MAX_WIDTH = 40;
const clip = (text: string) =>
  (text.length > MAX_WIDTH ? `${text.slice(0, MAX_WIDTH - 1)}…` : text).replace(/[\r\n\t]/g, ' ');

/** Rows under a header, columns padded to their widest cell (cells clipped to 40 characters). */
export function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [columns, ...rows].map((row) => row.map(clip));
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Records as a table: `id`, then the schema's fields. */
export function recordTable(records: readonly Row[], fields: readonly FieldSpec[]): string {
  const columns = ['id', ...fields.map((f) => f.path)];
  return table(
    columns,
    records.map((record) => columns.map((c) => cell(at(record, c)))),
  );
}

/** One record as `field  value` lines. */
export function recordLines(record: Row, fields: readonly FieldSpec[]): string {
  const columns = ['id', ...fields.map((f) => f.path)];
  return table(
    ['field', 'value'],
    columns.map((c) => [c, cell(at(record, c))]),
  );
}

/** The CSV columns of a resource: `id` and every field path. */
export const csvColumns = (fields: readonly FieldSpec[]) => ['id', ...fields.map((f) => f.path)];

/** One CSV line (RFC 4180: quoted when it holds a comma, quote or line break). */
export function csvLine(record: Row, columns: readonly string[]): string {
  return columns
    .map((c) => {
      const text = cell(at(record, c));
      return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',');
}

/**
 * Splits CSV text into records of cells (RFC 4180: quoted cells may hold commas, quotes and line
 * breaks). Yields each record with the number of the line it starts on.
 */
export async function* csvRecords(
  chunks: AsyncIterable<string>,
): AsyncGenerator<{ cells: string[]; line: number }> {
  let cells: string[] = [];
  let current = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let start = 1;
  let any = false;
  for await (const chunk of chunks) {
    for (const ch of chunk) {
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (ch === '\n') line++;
          current += ch;
        }
        continue;
      }
      if (ch === '"') {
        if (afterQuote) current += '"';
        else if (current !== '')
          throw new UsageError(`db: CSV line ${line}: a quote inside an unquoted cell`);
        quoted = true;
        afterQuote = false;
        any = true;
      } else if (ch === ',') {
        cells.push(current);
        current = '';
        afterQuote = false;
        any = true;
      } else if (ch === '\r') {
        // a CRLF line end: the \n ends the record
      } else if (ch === '\n') {
        line++;
        if (!any && cells.length === 0) {
          start = line; // a blank line
          continue;
        }
        cells.push(current);
        yield { cells, line: start };
        cells = [];
        current = '';
        afterQuote = false;
        any = false;
        start = line;
      } else {
        if (afterQuote) throw new UsageError(`db: CSV line ${line}: text after a closing quote`);
        current += ch;
        any = true;
      }
    }
  }
  if (quoted) throw new UsageError(`db: CSV line ${start}: a quoted cell is not closed`);
  if (any || current !== '' || cells.length > 0) {
    cells.push(current);
    yield { cells, line: start };
  }
}

/**
 * A record from CSV cells under `header`: an empty cell is an absent field; numbers, booleans,
 * arrays and objects are read as the schema's field types say (JSON for arrays and objects).
 */
export function csvRecord(
  header: readonly string[],
  cells: readonly string[],
  fields: readonly FieldSpec[],
  line: number,
): Row {
  if (cells.length !== header.length) {
    throw new UsageError(`db: CSV line ${line} has ${cells.length} cells; the header has ${header.length}`);
  }
  const types = new Map(fields.map((f) => [f.path, f.type]));
  const record: Row = {};
  header.forEach((column, i) => {
    const text = cells[i]!;
    if (text === '') return;
    const value = typed(text, column === 'id' ? 'string' : types.get(column), column, line);
    const parts = column.split('.');
    let target = record;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Row;
    }
    target[parts.at(-1)!] = value;
  });
  return record;
}

function typed(text: string, type: FieldSpec['type'] | undefined, column: string, line: number): unknown {
  switch (type) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n))
        throw new UsageError(`db: CSV line ${line}: ${column} "${text}" is not a number`);
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new UsageError(`db: CSV line ${line}: ${column} "${text}" is not true or false`);
    case 'array':
    case 'embedding':
    case 'object':
    case 'json':
    case 'any':
      try {
        return JSON.parse(text);
      } catch {
        if (type === 'any') return text;
        throw new UsageError(`db: CSV line ${line}: ${column} is not JSON`);
      }
    default:
      return text;
  }
}
