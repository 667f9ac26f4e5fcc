/**
 * The progress marker of an in-place migration from s3db.js (`bucketkit-migration.json` at the root of
 * the port) and the staging prefix the bucketkit copies wait under. While the marker exists the bucket
 * is half-way: bucketkit refuses to start a new database on it and `importS3db` refuses to serve it once
 * records have been swapped.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { Abortable, StoragePort } from '../../storage/index.js';

/** The marker object. */
export const MIGRATION_KEY = 'bucketkit-migration.json';
/** Where the staged bucketkit database lives until its records are swapped in. */
export const STAGING_PREFIX = '.bucketkit-migration/';
/** The copy of `s3db.json` the migration reads from start to end (the original goes last). */
export const S3DB_CATALOG_COPY = 's3db.json';

/**
 * The steps, in order: `stage` (bucketkit copies under the staging prefix; the s3db.js objects are
 * untouched), `swap` (each record's s3db.js object is overwritten by its verified bucketkit copy),
 * `finish` (bucketkit's catalog at the root, partition entries rebuilt, s3db.json and staging removed).
 */
export type MigrationPhase = 'stage' | 'swap' | 'finish';

export interface MigrationMarker {
  format: 1;
  from: 's3db.js';
  phase: MigrationPhase;
  /** The resources being migrated, in order. */
  resources: string[];
  startedAt: string;
  updatedAt: string;
}

/** The marker and its ETag, or `undefined` when no migration is under way. */
export async function readMarker(
  port: StoragePort,
  options: Abortable = {},
): Promise<{ marker: MigrationMarker; etag: string } | undefined> {
  try {
    const got = await port.get(MIGRATION_KEY, options);
    const marker = JSON.parse(await got.text()) as MigrationMarker;
    if (marker.format !== 1 || !Array.isArray(marker.resources)) {
      throw bkError('Corrupt', `${MIGRATION_KEY} is not a migration marker bucketkit wrote`);
    }
    return { marker, etag: got.etag };
  } catch (error) {
    if (BucketkitError.is(error, 'NotFound')) return undefined;
    if (error instanceof SyntaxError) {
      throw bkError('Corrupt', `${MIGRATION_KEY} is not JSON; it is the marker of an in-place migration`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Writes the marker: create-only when `etag` is undefined, else compare-and-swap. */
export async function writeMarker(
  port: StoragePort,
  marker: MigrationMarker,
  etag: string | undefined,
  conditional: boolean,
  options: Abortable = {},
): Promise<string> {
  marker.updatedAt = new Date().toISOString();
  const condition = !conditional
    ? {}
    : etag === undefined
      ? { ifNoneMatch: '*' as const }
      : { ifMatch: etag };
  try {
    const result = await port.put(MIGRATION_KEY, `${JSON.stringify(marker, null, 1)}\n`, {
      ...condition,
      contentType: 'application/json',
      ...options,
    });
    return result.etag;
  } catch (error) {
    if (BucketkitError.is(error, 'PreconditionFailed')) {
      throw bkError(
        'Unavailable',
        'another process changed the migration marker: run one in-place migration at a time, then resume',
        { cause: error },
      );
    }
    throw error;
  }
}

/** `Unavailable` when an in-place migration is under way on `port` (called before a new catalog is made). */
export async function refuseWhileMigrating(port: StoragePort, options: Abortable = {}): Promise<void> {
  try {
    await port.head(MIGRATION_KEY, options);
  } catch (error) {
    if (BucketkitError.is(error, 'NotFound')) return;
    throw error;
  }
  throw bkError(
    'Unavailable',
    `an in-place migration from s3db.js is under way on ${port.name} (${MIGRATION_KEY}); finish it with migrateS3dbInPlace() or \`bucketkit db migrate-s3db --in-place\` before opening the database`,
    { details: { key: MIGRATION_KEY } },
  );
}
