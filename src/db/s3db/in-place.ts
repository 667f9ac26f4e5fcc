/**
 * Migrating an s3db.js bucket into bucketkit's format in place (same port, same key prefix). Both
 * libraries keep a record at `resource=<r>/data/id=<id>`, so the records are first staged under
 * `.bucketkit-migration/`, then swapped in one by one, and the catalogs switch last. A marker object
 * (`bucketkit-migration.json`) says which step the bucket is at; every step is idempotent, so a run
 * that crashed or was aborted anywhere is resumed by calling again.
 */
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import { type Abortable, prefixed, type StoragePort } from '../../storage/browser.js';
import { Database } from '../database.js';
import { CATALOG_KEY } from '../keys.js';
import { openS3db, readS3dbCatalog } from './bucket.js';
import { copyResource } from './copy.js';
import {
  MIGRATION_KEY,
  type MigrationMarker,
  type MigrationPhase,
  readMarker,
  S3DB_CATALOG_COPY,
  STAGING_PREFIX,
  writeMarker,
} from './marker.js';
import { swapResource } from './swap.js';

export interface MigrateInPlaceOptions extends Abortable {
  /** The passphrase the s3db.js Database had (s3db.js's default was `secret`). */
  passphrase?: string;
  /** The passphrase of the bucketkit database's secret fields (default: `passphrase`). */
  newPassphrase?: string;
  /** Records handled at once (default 16). */
  concurrency?: number;
  /** Called after each record of the stage and swap steps and each resource of finish (`done` counts within the step). */
  onProgress?: (progress: MigrateInPlaceProgress) => void;
}

export interface MigrateInPlaceProgress {
  phase: MigrationPhase;
  resource: string;
  /** Records handled in this step so far (by this run). */
  done: number;
}

export interface MigrateInPlaceReport {
  /** `migrated` by this call (perhaps resuming an earlier one), or `already-migrated`: nothing to do. */
  state: 'migrated' | 'already-migrated';
  /** Per resource: records staged and swapped by this call, partition entries written at the end. */
  resources: Record<string, { staged: number; swapped: number; partitionEntries: number }>;
}

async function exists(port: StoragePort, key: string, options: Abortable): Promise<boolean> {
  try {
    await port.head(key, options);
    return true;
  } catch (error) {
    if (BucketkitError.is(error, 'NotFound')) return false;
    throw error;
  }
}

/**
 * Migrates the s3db.js database on `port` into a bucketkit database on the same port. Stop the
 * s3db.js writers first. Resumable: after a crash or an abort, call it again. Afterwards
 * `new Database({ storage: port, passphrase })` opens it; `s3db.json` is gone.
 *
 * @example
 * ```ts
 * const port = connect('s3://bucket/databases/myapp');
 * const report = await migrateS3dbInPlace(port, {
 *   passphrase: process.env.S3DB_KEY,
 *   onProgress: ({ phase, resource, done }) => console.error(phase, resource, done),
 * });
 * const db = await new Database({ storage: port, passphrase: process.env.S3DB_KEY }).connect();
 * ```
 */
export async function migrateS3dbInPlace(
  port: StoragePort,
  options: MigrateInPlaceOptions = {},
): Promise<MigrateInPlaceReport> {
  const signal: Abortable = options.signal ? { signal: options.signal } : {};
  const conditional = (await port.capabilities(signal)).conditionalWrites;
  let found = await readMarker(port, signal);
  if (!found) {
    if (!(await exists(port, 's3db.json', signal)) && (await exists(port, CATALOG_KEY, signal)))
      return { state: 'already-migrated', resources: {} };
    const infos = await readS3dbCatalog(port, 's3db.json', signal);
    if (await exists(port, CATALOG_KEY, signal)) {
      throw bkError(
        'InvalidArgument',
        `${port.name} holds a bucketkit database (${CATALOG_KEY}) next to s3db.json: migrate into another prefix with importS3db().migrate(db)`,
      );
    }
    const now = new Date().toISOString();
    const resources = Object.values(infos)
      .filter((info) => info.createdBy === 'user')
      .map((info) => info.name);
    const marker: MigrationMarker = {
      format: 1,
      from: 's3db.js',
      phase: 'stage',
      resources,
      startedAt: now,
      updatedAt: now,
    };
    found = { marker, etag: await writeMarker(port, marker, undefined, conditional, signal) };
  }
  const { marker } = found;
  let etag = found.etag;
  const staging = prefixed(port, STAGING_PREFIX);
  const passphrase = options.passphrase ?? 'secret';
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const report: MigrateInPlaceReport = {
    state: 'migrated',
    resources: Object.fromEntries(
      marker.resources.map((name) => [name, { staged: 0, swapped: 0, partitionEntries: 0 }]),
    ),
  };
  let done = 0;
  const progress = (phase: MigrationPhase, resource: string) => () =>
    options.onProgress?.({ phase, resource, done: ++done });
  const advance = async (phase: MigrationPhase) => {
    marker.phase = phase;
    etag = await writeMarker(port, marker, etag, conditional, signal);
    done = 0;
  };

  if (marker.phase !== 'finish') {
    // the migration reads s3db.js's catalog from its own copy: the original is removed last
    if (!(await exists(staging, S3DB_CATALOG_COPY, signal)))
      await port.copy('s3db.json', `${STAGING_PREFIX}${S3DB_CATALOG_COPY}`, signal);
    const bucket = openS3db(port, await readS3dbCatalog(staging, S3DB_CATALOG_COPY, signal), { passphrase });
    const stagingDb = new Database({ storage: staging, passphrase: options.newPassphrase ?? passphrase });
    await stagingDb.connect(signal);
    try {
      if (marker.phase === 'stage') {
        for (const name of marker.resources) {
          const outcome = await copyResource(bucket.resource(name), stagingDb, {
            concurrency,
            signal: options.signal,
            onRecord: progress('stage', name),
          });
          report.resources[name]!.staged = outcome.copied;
          if (outcome.failed.length > 0) {
            throw bkError(
              'InvalidArgument',
              `${outcome.failed.length} record(s) of "${name}" do not fit bucketkit's schema (first: ${outcome.failed[0]!.id}: ${outcome.failed[0]!.message}); nothing was changed in place — fix them with s3db.js and run again`,
              { details: { resource: name, failed: outcome.failed } },
            );
          }
        }
        await advance('swap');
      }
      for (const name of marker.resources) {
        report.resources[name]!.swapped = await swapResource({
          port,
          staging,
          source: bucket.resource(name),
          staged: stagingDb.resource(name),
          conditional,
          concurrency,
          signal: options.signal,
          onRecord: progress('swap', name),
        });
      }
    } finally {
      await stagingDb.disconnect();
    }
    await advance('finish');
  }
  await finish(port, staging, marker, report, { ...options, passphrase }, progress);
  return report;
}

/** bucketkit's catalog at the root, partition entries rebuilt, then s3db.json, staging and the marker go. */
async function finish(
  port: StoragePort,
  staging: StoragePort,
  marker: MigrationMarker,
  report: MigrateInPlaceReport,
  options: MigrateInPlaceOptions & { passphrase: string },
  progress: (phase: MigrationPhase, resource: string) => () => void,
): Promise<void> {
  const signal: Abortable = options.signal ? { signal: options.signal } : {};
  if (await exists(staging, CATALOG_KEY, signal))
    await port.copy(`${STAGING_PREFIX}${CATALOG_KEY}`, CATALOG_KEY, signal);
  const db = new Database({ storage: port, passphrase: options.newPassphrase ?? options.passphrase });
  await db.connect(signal);
  try {
    for (const name of marker.resources) {
      throwIfAborted(options.signal);
      // reads every record (each must decode in bucketkit's format) and drops s3db.js's partition references
      const rebuilt = await db.resource(name).rebuildPartitions({
        concurrency: Math.max(1, options.concurrency ?? 16),
        ...signal,
      });
      report.resources[name]!.partitionEntries = rebuilt.added;
      progress('finish', name)();
    }
  } finally {
    await db.disconnect();
  }
  await port.delete('s3db.json', signal);
  const leftovers: string[] = [];
  for await (const entry of port.list({ prefix: STAGING_PREFIX, pageSize: 1000, ...signal }))
    if (entry.type === 'object') leftovers.push(entry.key);
  if (leftovers.length > 0) await port.deleteMany(leftovers, signal);
  await port.delete(MIGRATION_KEY, signal);
}
