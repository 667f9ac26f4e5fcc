import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoragePort } from '../storage/index.js';
import { connect } from '../storage/index.js';
import { humanBytes, out } from './output.js';

export type CommandArgs = { positionals: string[]; values: Record<string, string | boolean | undefined> };

function need(args: CommandArgs, count: number, usage: string): string[] {
  if (args.positionals.length < count) throw new UsageError(usage);
  return args.positionals;
}

export class UsageError extends Error {}

async function withPort<T>(url: string, run: (port: StoragePort) => Promise<T>): Promise<T> {
  const port = connect(url);
  try {
    return await run(port);
  } finally {
    await port.close?.();
  }
}

/** `bucketkit ls URL [--prefix P] [--delimiter D]` */
export async function ls(args: CommandArgs): Promise<void> {
  const [url] = need(args, 1, 'ls URL [--prefix P] [--delimiter /]');
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

/** `bucketkit put URL KEY [FILE]` (stdin without FILE) */
export async function put(args: CommandArgs): Promise<void> {
  const [url, key, file] = need(args, 2, 'put URL KEY [FILE]  (reads stdin without FILE)');
  const source = file && file !== '-' ? createReadStream(file) : process.stdin;
  await withPort(url!, async (port) => {
    const result = await port.put(key!, Readable.toWeb(source) as ReadableStream<Uint8Array>, {
      ...(args.values.ifNoneMatch ? { ifNoneMatch: '*' as const } : {}),
      ...(typeof args.values.contentType === 'string' ? { contentType: args.values.contentType } : {}),
    });
    out(`${key}  ${humanBytes(result.size)}  etag ${result.etag}`);
  });
}

/** `bucketkit get URL KEY [FILE]` (stdout without FILE) */
export async function get(args: CommandArgs): Promise<void> {
  const [url, key, file] = need(args, 2, 'get URL KEY [FILE]  (writes stdout without FILE)');
  await withPort(url!, async (port) => {
    const object = await port.get(key!);
    const target = file && file !== '-' ? createWriteStream(file) : process.stdout;
    await pipeline(
      Readable.fromWeb(object.body as import('node:stream/web').ReadableStream),
      target as Writable,
    );
  });
}

/** `bucketkit stat URL KEY` */
export async function stat(args: CommandArgs): Promise<void> {
  const [url, key] = need(args, 2, 'stat URL KEY');
  await withPort(url!, async (port) => {
    out(JSON.stringify(await port.head(key!), null, 2));
  });
}

/** `bucketkit rm URL KEY...` */
export async function rm(args: CommandArgs): Promise<void> {
  const [url, ...keys] = need(args, 2, 'rm URL KEY...');
  await withPort(url!, async (port) => {
    const { deleted } = await port.deleteMany(keys);
    out(`deleted ${deleted}`);
  });
}

/** `bucketkit caps URL`: what the storage can do (conditional writes are probed on S3). */
export async function caps(args: CommandArgs): Promise<void> {
  const [url] = need(args, 1, 'caps URL');
  await withPort(url!, async (port) => {
    out(JSON.stringify(await port.capabilities(), null, 2));
  });
}
