/** `bucketkit db export` and `import`: records streamed as JSON lines or CSV, with progress. */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { RecordWriter } from '../db/index.js';
import { BucketkitError } from '../errors.js';
import { type Context, print, resourceOf, type Values } from './db-context.js';
import { csvColumns, csvLine, csvRecord, csvRecords, filterOf, jsonObject } from './db-io.js';
import { UsageError } from './output.js';
import { progressMeter } from './progress.js';

function formatOf(values: Values, file: string | undefined): 'jsonl' | 'csv' {
  const format = values.format ?? (file?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  if (format !== 'jsonl' && format !== 'csv') {
    throw new UsageError(`db: --format is jsonl or csv (got "${format}")`);
  }
  return format;
}

async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

export async function exportCommand({ db, args, values }: Context): Promise<void> {
  if (args.length < 1 || args.length > 2)
    throw new UsageError('db export RESOURCE [FILE] [--format jsonl|csv]');
  const [name, file] = args;
  const resource = resourceOf(db, name);
  const format = formatOf(values, file);
  const filter = filterOf(values.where, values.filter);
  const columns = csvColumns(resource.describe().fields);
  const stream = file ? createWriteStream(file) : process.stdout;
  if (file) await once(stream, 'open');
  const show = progressMeter('export', values, 'objects');
  let n = 0;
  try {
    if (format === 'csv') await writeLine(stream, columns.join(','));
    for await (const record of resource.stream({ filter })) {
      await writeLine(stream, format === 'csv' ? csvLine(record, columns) : JSON.stringify(record));
      show(++n);
    }
  } finally {
    show.end();
    if (file) {
      stream.end();
      await once(stream, 'close');
    }
  }
  if (file) print(values, { exported: n, file }, () => `exported ${n} records to ${file}`);
}

async function* textChunks(file: string | undefined): AsyncGenerator<string> {
  const input = file ? createReadStream(file, { encoding: 'utf8' }) : process.stdin.setEncoding('utf8');
  for await (const chunk of input) yield chunk as string;
}

export async function importCommand({ db, args, values }: Context): Promise<void> {
  if (args.length < 1 || args.length > 2)
    throw new UsageError('db import RESOURCE [FILE] [--format jsonl|csv] [--upsert]');
  const [name, file] = args;
  const resource = resourceOf(db, name);
  const { fields } = resource.describe();
  const concurrency = Number(values.concurrency ?? 16);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('db: --concurrency is a whole number ≥ 1');
  const write = values.upsert
    ? (record: Record<string, unknown>) => {
        if (typeof record.id !== 'string') throw new UsageError('db: --upsert needs an "id" in every record');
        return resource.upsert(record as Record<string, unknown> & { id: string });
      }
    : (record: Record<string, unknown>) => resource.insert(record);
  const withLine = (error: unknown, line: number) =>
    BucketkitError.is(error)
      ? new BucketkitError(error.code, `line ${line}: ${error.message.replace(/^\w+: /, '')}`, {
          details: { ...error.details, line },
        })
      : error;
  // each record carries the line it came from, so a refusal names it however many writes are in flight
  const writer = new RecordWriter<{ record: Record<string, unknown>; line: number }, unknown>(
    ({ record, line }) =>
      Promise.resolve()
        .then(() => write(record))
        .catch((error: unknown) => {
          throw withLine(error, line);
        }),
    concurrency,
  );
  const show = progressMeter('import', values, 'objects');
  let n = 0;
  try {
    if (formatOf(values, file) === 'csv') {
      let header: string[] | undefined;
      for await (const row of csvRecords(textChunks(file))) {
        if (!header) {
          header = row.cells;
          continue;
        }
        await writer.write({ record: csvRecord(header, row.cells, fields, row.line), line: row.line });
        show(++n);
      }
    } else {
      const lines = createInterface({
        input: file ? createReadStream(file) : process.stdin,
        crlfDelay: Infinity,
      });
      let line = 0;
      for await (const text of lines) {
        line++;
        if (text.trim() === '') continue;
        await writer.write({ record: jsonObject(text, `line ${line}`), line });
        show(++n);
      }
    }
  } catch (error) {
    // the writes in flight finish (or fail) before the database closes; the first failure is reported
    await writer.close().catch(() => {});
    throw error;
  } finally {
    show.end();
  }
  await writer.close();
  print(values, { imported: n }, () => `imported ${n} records into ${name}`);
}
