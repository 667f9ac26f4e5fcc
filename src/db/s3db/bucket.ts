/**
 * An opened s3db.js bucket: its catalog read, its resources served read-only, and `migrate()`, the copy
 * into another bucketkit `Database`.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { Database } from '../database.js';
import { parseS3dbCatalog, type S3dbResourceInfo } from './catalog.js';
import { type CopyOutcome, copyResource } from './copy.js';
import { S3dbResource } from './reader.js';

export interface ImportS3dbOptions {
  /** The passphrase the s3db.js Database had (s3db.js's default was `secret`). */
  passphrase?: string;
}

export interface MigrateS3dbOptions {
  /** Only these resources (default: every resource a user created; plugin resources are left out). */
  resources?: readonly string[];
  /** Records copied at once (default 16). */
  concurrency?: number;
}

/** What a migration did, per resource. */
export interface MigrateS3dbReport {
  [resource: string]: CopyOutcome;
}

/** An opened s3db.js bucket: its resources, read-only, and `migrate()`. */
export interface S3dbBucket {
  /** The names of the resources in `s3db.json`. */
  resources(): string[];
  resource(name: string): S3dbResource;
  /** Copies records into `db` (see `MigrateS3dbOptions`); a re-run copies only what is missing. */
  migrate(db: Database, options?: MigrateS3dbOptions): Promise<MigrateS3dbReport>;
}

/** Reads and parses an s3db.js catalog at `key`; `NotFound` with what to do when it is missing. */
export async function readS3dbCatalog(
  port: StoragePort,
  key: string,
  options: { signal?: AbortSignal } = {},
): Promise<Record<string, S3dbResourceInfo>> {
  let text: string;
  try {
    text = await (await port.get(key, options)).text();
  } catch (error) {
    if (BucketkitError.is(error, 'NotFound')) {
      throw bkError(
        'NotFound',
        `no s3db.json on ${port.name}; open the key prefix s3db.js wrote to (its connection string's path)`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return parseS3dbCatalog(text);
}

/** An s3db.js bucket whose catalog was read already. */
export function openS3db(
  port: StoragePort,
  infos: Record<string, S3dbResourceInfo>,
  options: ImportS3dbOptions = {},
): S3dbBucket {
  const passphrase = options.passphrase ?? 'secret';
  const opened = new Map<string, S3dbResource>();
  const resource = (name: string) => {
    const info = infos[name];
    if (!info) {
      throw bkError('NotFound', `s3db.json has no resource "${name}"`, {
        details: { resource: name, known: Object.keys(infos) },
      });
    }
    const found = opened.get(name) ?? new S3dbResource(port, info, passphrase);
    opened.set(name, found);
    return found;
  };
  return {
    resources: () => Object.keys(infos).sort(),
    resource,
    async migrate(db, migrateOptions = {}) {
      const names =
        migrateOptions.resources ??
        Object.values(infos)
          .filter((i) => i.createdBy === 'user')
          .map((i) => i.name);
      const report: MigrateS3dbReport = {};
      for (const name of names)
        report[name] = await copyResource(resource(name), db, {
          concurrency: migrateOptions.concurrency ?? 16,
        });
      return report;
    },
  };
}
