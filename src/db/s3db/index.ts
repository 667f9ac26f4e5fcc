/**
 * Opening a bucket that s3db.js wrote: its catalog (`s3db.json`), key layout, attribute map, value
 * encodings, the five behaviours, partitions and encrypted secrets — served read-only as they are,
 * copied into another bucketkit `Database`, or migrated in place (idempotent and resumable).
 */
import { bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { type ImportS3dbOptions, openS3db, readS3dbCatalog, type S3dbBucket } from './bucket.js';
import { readMarker } from './marker.js';

export type {
  ImportS3dbOptions,
  MigrateS3dbOptions,
  MigrateS3dbReport,
  S3dbBucket,
} from './bucket.js';
export type { S3dbResourceInfo } from './catalog.js';
export { bucketkitDefinition } from './definition.js';
export {
  type MigrateInPlaceOptions,
  type MigrateInPlaceProgress,
  type MigrateInPlaceReport,
  migrateS3dbInPlace,
} from './in-place.js';
export { S3dbResource } from './reader.js';

/**
 * Opens the s3db.js database stored on `port` (the port's root is s3db.js's key prefix, where
 * `s3db.json` is). `NotFound` when there is no `s3db.json`.
 *
 * @example
 * ```ts
 * const s3db = await importS3db(connect('s3://bucket/databases/myapp'), { passphrase: process.env.S3DB_KEY });
 * const ada = await s3db.resource('users').get('ada');
 * const db = await new Database({ connectionString: 's3://bucket/bucketkit/myapp', passphrase }).connect();
 * console.log(await s3db.migrate(db)); // { users: { copied: 1200, skipped: 0, failed: [] } }
 * ```
 */
export async function importS3db(port: StoragePort, options: ImportS3dbOptions = {}): Promise<S3dbBucket> {
  const migrating = await readMarker(port);
  if (migrating && migrating.marker.phase !== 'stage') {
    throw bkError(
      'Unavailable',
      `${port.name} is half-way through an in-place migration to bucketkit (phase ${migrating.marker.phase}); finish it with migrateS3dbInPlace()`,
      { details: { phase: migrating.marker.phase } },
    );
  }
  return openS3db(port, await readS3dbCatalog(port, 's3db.json'), options);
}
