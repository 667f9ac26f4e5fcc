import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BucketkitError } from '../errors.js';
import type { PutOptions, PutResult, StoragePort } from '../storage/index.js';
import { connect } from '../storage/index.js';
import { readableFile, requireFolder } from './local-files.js';
import { humanBytes, out, UsageError } from './output.js';
import { type Progress, type ProgressFlags, progressMeter } from './progress.js';

export type CommandArgs = { positionals: string[]; values: Record<string, string | boolean | undefined> };

function need(args: CommandArgs, count: number, usage: string): string[] {
  if (args.positionals.length < count) throw new UsageError(usage);
  return args.positionals;
}

export async function withPort<T>(url: string, run: (port: StoragePort) => Promise<T>): Promise<T> {
  const port = connect(url);
  try {
    return await run(port);
  } finally {
    await port.close?.();
  }
}

/** Counts the bytes going through into a progress display. */
export function counting(show: Progress, total?: number): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.byteLength;
      show(done, total);
      callback(null, chunk);
    },
  });
}

/** `bucketkit ls URL [--prefix P] [--delimiter D]` */
export async function ls(args: CommandArgs): Promise<void> {
  const [url] = need(args, 1, 'ls URL [--prefix P] [--delimiter /]');
  await requireFolder(url!);
  await withPort(url!, async (port) => {
    const prefix = args.values.prefix as string | undefined;
    const delimiter = args.values.delimiter as string | undefined;
    for await (const entry of port.list({
      ...(prefix ? { prefix } : {}),
      ...(delimiter ? { delimiter } : {}),
    })) {
      if (entry.type === 'prefix') out(`${'PRE'.padStart(10)}  ${entry.prefix}`);
      else out(`${humanBytes(entry.size).padStart(10)}  ${entry.lastModified.toISOString()}  ${entry.key}`);
    }
  });
}

/**
 * Uploads FILE (stdin when absent or `-`) to `key` on `port`, showing progress; the one upload path of the CLI's
 * groups.
 *
 * @example
 * ```ts
 * const result = await uploadFrom(port, 'a.txt', './a.txt', args.values);
 * ```
 */
export async function uploadFrom(
  port: StoragePort,
  key: string,
  file: string | undefined,
  flags: ProgressFlags,
  options: PutOptions = {},
): Promise<PutResult> {
  const fromFile = file !== undefined && file !== '-';
  const total = fromFile ? await readableFile(file) : undefined;
  const show = progressMeter('upload', flags);
  const source = fromFile ? createReadStream(file) : process.stdin;
  const counted = counting(show, total);
  source.once('error', (error: Error) => counted.destroy(error));
  const result = await port.put(
    key,
    Readable.toWeb(source.pipe(counted)) as ReadableStream<Uint8Array>,
    options,
  );
  show.end();
  return result;
}

/**
 * Downloads `key` from `port` to FILE (stdout when absent or `-`), showing progress; the one download path of the
 * CLI's groups.
 *
 * @example
 * ```ts
 * await downloadTo(port, 'a.txt', './a.txt', args.values);
 * ```
 */
export async function downloadTo(
  port: StoragePort,
  key: string,
  file: string | undefined,
  flags: ProgressFlags,
): Promise<void> {
  const object = await port.get(key);
  const show = progressMeter('download', flags);
  const target = file && file !== '-' ? createWriteStream(file) : process.stdout;
  await pipeline(
    Readable.fromWeb(object.body as import('node:stream/web').ReadableStream),
    counting(show, object.size),
    target as Writable,
  );
  show.end();
}

/** `bucketkit put URL KEY [FILE]` (stdin without FILE) */
export async function put(args: CommandArgs): Promise<void> {
  const [url, key, file] = need(args, 2, 'put URL KEY [FILE]  (reads stdin without FILE)');
  await withPort(url!, async (port) => {
    const result = await uploadFrom(port, key!, file, args.values, {
      ...(args.values.ifNoneMatch ? { ifNoneMatch: '*' as const } : {}),
      ...(typeof args.values.contentType === 'string' ? { contentType: args.values.contentType } : {}),
    });
    out(`${key}  ${humanBytes(result.size)}  etag ${result.etag}`);
  });
}

/** `bucketkit get URL KEY [FILE]` (stdout without FILE) */
export async function get(args: CommandArgs): Promise<void> {
  const [url, key, file] = need(args, 2, 'get URL KEY [FILE]  (writes stdout without FILE)');
  await withPort(url!, (port) => downloadTo(port, key!, file, args.values));
}

/** `bucketkit stat URL KEY` */
export async function stat(args: CommandArgs): Promise<void> {
  const [url, key] = need(args, 2, 'stat URL KEY');
  await withPort(url!, async (port) => {
    out(JSON.stringify(await port.head(key!), null, 2));
  });
}

/**
 * `bucketkit rm URL KEY...`: says which keys it deleted and which were absent (a delete of a missing
 * key succeeds on S3, so each key is looked up first).
 */
export async function rm(args: CommandArgs): Promise<void> {
  const [url, ...keys] = need(args, 2, 'rm URL KEY...');
  await withPort(url!, async (port) => {
    const present: string[] = [];
    const absent: string[] = [];
    for (const key of new Set(keys)) {
      const found = await port.head(key).then(
        () => true,
        (error: unknown) => {
          if (BucketkitError.is(error, 'NotFound')) return false;
          throw error;
        },
      );
      (found ? present : absent).push(key);
    }
    if (present.length > 0) await port.deleteMany(present);
    for (const key of present) out(`deleted ${key}`);
    for (const key of absent) out(`absent  ${key} (nothing to delete)`);
    out(`deleted ${present.length}, absent ${absent.length}`);
  });
}

/** `bucketkit caps URL`: what the storage can do (conditional writes are probed on S3). */
export async function caps(args: CommandArgs): Promise<void> {
  const [url] = need(args, 1, 'caps URL');
  await withPort(url!, async (port) => {
    out(JSON.stringify(await port.capabilities(), null, 2));
  });
}
