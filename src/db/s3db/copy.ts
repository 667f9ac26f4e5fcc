/**
 * Copying the records of one s3db.js resource into a bucketkit resource: create-only inserts with the
 * original timestamps, so a re-run (after a crash, an abort) copies only what is still missing.
 */
import { BucketkitError, throwIfAborted } from '../../errors.js';
import type { Database } from '../database.js';
import { mapLimit } from '../retry.js';
import { asBucketkitRecord, bucketkitDefinition } from './definition.js';
import type { S3dbResource } from './reader.js';

/** What copying one resource did. */
export interface CopyOutcome {
  /** Records written to the bucketkit resource by this run. */
  copied: number;
  /** Records already there (an earlier, perhaps interrupted, run copied them). */
  skipped: number;
  /** Records the bucketkit schema refused, with why; nothing else is left behind. */
  failed: { id: string; message: string }[];
}

export interface CopyOptions {
  concurrency: number;
  signal?: AbortSignal | undefined;
  /** Called after each record (copied, skipped or failed). */
  onRecord?: () => void;
}

/** Copies every record of `source` into `db`'s resource of the same name (created from its definition). */
export async function copyResource(
  source: S3dbResource,
  db: Database,
  options: CopyOptions,
): Promise<CopyOutcome> {
  const signal = options.signal ? { signal: options.signal } : {};
  const target = await db.createResource(bucketkitDefinition(source.info), signal);
  const outcome: CopyOutcome = { copied: 0, skipped: 0, failed: [] };
  const copy = async (id: string) => {
    throwIfAborted(options.signal);
    try {
      // an id bucketkit does not take is refused by exists() already: listed in failed like a record
      if (await target.exists(id, signal)) outcome.skipped++;
      else {
        const record = await source.read(id);
        if (record)
          await target.insert(asBucketkitRecord(record, source.info), { keepTimestamps: true, ...signal });
        if (record) outcome.copied++;
      }
    } catch (error) {
      if (BucketkitError.is(error, 'PreconditionFailed')) outcome.skipped++;
      else if (BucketkitError.is(error, 'InvalidArgument'))
        outcome.failed.push({ id, message: error.message });
      else throw error;
    }
    options.onRecord?.();
  };
  let batch: string[] = [];
  for await (const id of source.listIds()) {
    batch.push(id);
    if (batch.length >= options.concurrency * 8) {
      await mapLimit(batch, options.concurrency, copy);
      batch = [];
    }
  }
  await mapLimit(batch, options.concurrency, copy);
  return outcome;
}
