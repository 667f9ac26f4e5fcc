/**
 * Opening a bucket that s3db.js wrote: its catalog (`s3db.json`), key layout, attribute map, value
 * encodings, the five behaviours, partitions and encrypted secrets — served read-only as they are, or
 * copied into a bucketkit `Database` (idempotent and resumable).
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { Database } from '../database.js';
import { BEHAVIORS, type BehaviorName } from '../encoding/index.js';
import { mapLimit } from '../retry.js';
import type { Attributes } from '../schema/index.js';
import { parseS3dbCatalog, type S3dbResourceInfo } from './catalog.js';
import { S3dbResource } from './reader.js';

export type { S3dbResourceInfo } from './catalog.js';
export { S3dbResource } from './reader.js';

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
  [resource: string]: {
    /** Records written to the bucketkit resource by this run. */
    copied: number;
    /** Records already there (an earlier, perhaps interrupted, run copied them). */
    skipped: number;
    /** Records the bucketkit schema refused, with why; nothing else is left behind. */
    failed: { id: string; message: string }[];
  };
}

/** An opened s3db.js bucket: its resources, read-only, and `migrate()`. */
export interface S3dbBucket {
  /** The names of the resources in `s3db.json`. */
  resources(): string[];
  resource(name: string): S3dbResource;
  /** Copies records into `db` (see `MigrateS3dbOptions`); a re-run copies only what is missing. */
  migrate(db: Database, options?: MigrateS3dbOptions): Promise<MigrateS3dbReport>;
}

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
  let text: string;
  try {
    text = await (await port.get('s3db.json')).text();
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
  const infos = parseS3dbCatalog(text);
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
        report[name] = await migrateResource(resource(name), db, migrateOptions.concurrency ?? 16);
      return report;
    },
  };
}

/** An s3db.js definition string → a bucketkit shorthand that accepts every value s3db.js stored. */
function shorthand(definition: string): string {
  const required = /\|required\b/.test(definition) ? '|required' : '';
  const [type = ''] = definition.split(/[|:]/);
  if (type === 'secret') return `secret${required}`;
  if (type === 'array' || type === 'embedding') {
    const items =
      /items:number/.test(definition) || type === 'embedding'
        ? '|items:number'
        : /items:string/.test(definition)
          ? '|items:string'
          : '';
    return `array${items}${required}`;
  }
  if (type === 'number') return `${/\|integer\b/.test(definition) ? 'integer' : 'number'}${required}`;
  if (['money', 'crypto', 'decimal', 'geo'].includes(type) && !definition.startsWith('geo:point'))
    return `number${required}`;
  if (type === 'boolean' || type === 'bool') return `boolean${required}`;
  if (type === 'datetime') return `datetime${required}`;
  if (type === 'json' || type === 'object' || type === 'any' || type === 'geo') return `json${required}`;
  return `string${required}`;
}

/** The bucketkit definition of an s3db.js resource (timestamps kept as bucketkit's own). */
export function bucketkitDefinition(info: S3dbResourceInfo) {
  const attributes: Record<string, unknown> = {};
  for (const [path, definition] of Object.entries(info.attributes)) {
    if (info.timestamps && (path === 'createdAt' || path === 'updatedAt')) continue;
    const parts = path.split('.');
    let target = attributes;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = shorthand(definition);
  }
  const partitions: Record<string, string[]> = {};
  for (const [name, fields] of Object.entries(info.partitions)) {
    // date and maxlength rules store a changed value: such partitions cannot be queried by the record's value
    const plain = Object.values(fields).every((rule) => !/date|maxlength/.test(rule));
    if (plain && Object.keys(fields).every((f) => f in info.attributes))
      partitions[name] = Object.keys(fields).sort();
  }
  const behavior = (BEHAVIORS as readonly string[]).includes(info.behavior)
    ? (info.behavior as BehaviorName)
    : 'body-overflow';
  return {
    name: info.name,
    attributes: attributes as Attributes,
    behavior,
    partitions,
    timestamps: info.timestamps,
  };
}

async function migrateResource(source: S3dbResource, db: Database, concurrency: number) {
  const target = await db.createResource(bucketkitDefinition(source.info));
  const outcome = { copied: 0, skipped: 0, failed: [] as { id: string; message: string }[] };
  const copy = async (id: string) => {
    if (await target.exists(id)) {
      outcome.skipped++;
      return;
    }
    const record = await source.read(id);
    if (!record) return; // deleted since the listing
    try {
      await target.insert(record, { keepTimestamps: true });
      outcome.copied++;
    } catch (error) {
      if (BucketkitError.is(error, 'PreconditionFailed')) outcome.skipped++;
      else if (BucketkitError.is(error, 'InvalidArgument'))
        outcome.failed.push({ id, message: error.message });
      else throw error;
    }
  };
  let batch: string[] = [];
  for await (const id of source.listIds()) {
    batch.push(id);
    if (batch.length >= concurrency * 8) {
      await mapLimit(batch, concurrency, copy);
      batch = [];
    }
  }
  await mapLimit(batch, concurrency, copy);
  return outcome;
}
