/**
 * The swap step of an in-place migration, for one resource: each record's s3db.js object is checked
 * against its staged bucketkit copy (re-staged when s3db.js changed it since), overwritten by the copy's
 * exact bytes and metadata (compare-and-swap on the s3db.js object's ETag), checked again, and only then
 * is the staged copy deleted. At every moment a record exists as its s3db.js object, its staged copy, or
 * its bucketkit object in place, so a crash anywhere loses nothing and a re-run picks up where it was.
 */
import stableStringify from 'json-stable-stringify';
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import type { Abortable, Metadata, StoragePort } from '../../storage/index.js';
import { storedVersion } from '../encoding/index.js';
import { dataPrefix, recordKey } from '../keys.js';
import { TOMBSTONE_ETAG } from '../records.js';
import type { Resource } from '../resource.js';
import { backoff, mapLimit } from '../retry.js';
import { asBucketkitRecord } from './definition.js';
import type { S3dbResource } from './reader.js';

type Row = Record<string, unknown>;
const ATTEMPTS = 6;
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export interface SwapContext {
  /** The migrated port (the s3db.js key prefix). */
  port: StoragePort;
  /** The staging port (under the staging prefix of `port`). */
  staging: StoragePort;
  source: S3dbResource;
  /** The staged bucketkit resource of the same name. */
  staged: Resource;
  conditional: boolean;
  concurrency: number;
  signal?: AbortSignal | undefined;
  onRecord?: () => void;
}

async function listIds(port: StoragePort, prefix: string, options: Abortable): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of port.list({ prefix, pageSize: 1000, ...options })) {
    if (entry.type === 'object' && entry.etag !== TOMBSTONE_ETAG) ids.push(entry.key.slice(prefix.length));
  }
  return ids;
}

const sameRecord = (a: Row, b: Row) => stableStringify(a) === stableStringify(b);

/** Swaps every record of one resource; returns how many this run swapped. */
export async function swapResource(ctx: SwapContext): Promise<number> {
  const signal: Abortable = ctx.signal ? { signal: ctx.signal } : {};
  const name = ctx.source.name;
  const prefix = dataPrefix(name);
  const pending = new Set(await listIds(ctx.staging, prefix, signal));
  let swapped = 0;
  const one = async (id: string) => {
    if (await swapRecord(ctx, id, pending.has(id))) swapped++;
    pending.delete(id);
    ctx.onRecord?.();
  };
  const batch: string[] = [];
  for await (const entry of ctx.port.list({ prefix, pageSize: 1000, ...signal })) {
    if (entry.type !== 'object') continue;
    batch.push(entry.key.slice(prefix.length));
    if (batch.length >= ctx.concurrency * 8) await mapLimit(batch.splice(0), ctx.concurrency, one);
  }
  await mapLimit(batch, ctx.concurrency, one);
  // staged copies whose s3db.js record was deleted after staging (s3db.js was still writing)
  await mapLimit([...pending], ctx.concurrency, one);
  return swapped;
}

/** One record; true when this call overwrote its s3db.js object. */
async function swapRecord(ctx: SwapContext, id: string, isStaged: boolean): Promise<boolean> {
  const signal: Abortable = ctx.signal ? { signal: ctx.signal } : {};
  const key = recordKey(ctx.source.name, id);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    throwIfAborted(ctx.signal);
    let current: Awaited<ReturnType<StoragePort['get']>>;
    try {
      current = await ctx.port.get(key, signal);
    } catch (error) {
      if (!BucketkitError.is(error, 'NotFound')) throw error;
      if (isStaged) await ctx.staging.delete(key, signal);
      return false;
    }
    const bytes = await current.bytes();
    if (storedVersion(current.metadata) !== undefined) {
      // swapped already (a crash came before its staged copy was deleted)
      if (isStaged) await ctx.staging.delete(key, signal);
      return false;
    }
    const decoded = await ctx.source.decode(id, utf8.decode(bytes), current.metadata);
    const record = asBucketkitRecord(decoded, ctx.source.info);
    const copy = await stagedCopy(ctx, id, record);
    let written: { etag: string };
    try {
      written = await ctx.port.put(key, copy.bytes, {
        metadata: copy.metadata,
        ...(copy.contentType ? { contentType: copy.contentType } : {}),
        ...(ctx.conditional ? { ifMatch: current.etag } : {}),
        ...signal,
      });
    } catch (error) {
      if (!BucketkitError.is(error, 'PreconditionFailed')) throw error;
      await backoff(attempt, ctx.signal);
      continue; // s3db.js wrote the record meanwhile: verify again
    }
    if (written.etag !== copy.etag) {
      const check = await ctx.port.head(key, signal);
      if (storedVersion(check.metadata) === undefined) {
        throw bkError('Corrupt', `the bucketkit copy of "${ctx.source.name}/${id}" did not land; resume`, {
          details: { resource: ctx.source.name, id },
        });
      }
    }
    await ctx.staging.delete(key, signal);
    return true;
  }
  throw bkError(
    'Unavailable',
    `the s3db.js record "${ctx.source.name}/${id}" kept changing during the migration; stop the s3db.js writers and resume`,
    { details: { resource: ctx.source.name, id } },
  );
}

/** The staged copy of `record`, re-staged first when it is missing or differs (s3db.js changed it). */
async function stagedCopy(ctx: SwapContext, id: string, record: Row) {
  const signal: Abortable = ctx.signal ? { signal: ctx.signal } : {};
  const key = recordKey(ctx.source.name, id);
  let staged: Row | undefined;
  try {
    staged = (await ctx.staged.get(id, signal)) as Row;
  } catch (error) {
    if (!BucketkitError.is(error, 'NotFound')) throw error;
  }
  if (!staged || !sameRecord(staged, record)) {
    // the staging prefix is this migration's own: a plain delete, then a fresh create-only insert
    if (staged) await ctx.staging.delete(key, signal);
    await ctx.staged.insert(record, { keepTimestamps: true, ...signal });
  }
  const raw = await ctx.staging.get(key, signal);
  const metadata: Metadata = raw.metadata;
  return { bytes: await raw.bytes(), metadata, contentType: raw.contentType, etag: raw.etag };
}
