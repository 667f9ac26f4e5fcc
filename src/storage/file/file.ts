import { join, resolve } from 'node:path';
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import { getResult, streamOf } from '../contract/body.js';
import { ListingCut } from '../contract/listing.js';
import { objectInfoOf } from '../contract/object-info.js';
import type {
  Abortable,
  Body,
  CopyOptions,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from '../contract/port.js';
import { checkPreconditions, deleteEach, resolveRange } from '../contract/validate.js';
import { copyObject } from './copy.js';
import { unlinkQuietly } from './data.js';
import { dataCheckOf, readDataFile } from './data-read.js';
import { Folder } from './folder.js';
import { isMissing, syncFolder } from './io.js';
import { type WalkBounds, walkObjects } from './list.js';
import { withFileLock } from './lock.js';
import { listingRoot } from './paths.js';
import { type ObjectRecord, readRecordNow } from './record.js';
import { type SweepOptions, type SweepReport, sweepFolder } from './sweep.js';
import { writeObject } from './write.js';

export interface FileStorageOptions {
  /**
   * fsync each object's data before it becomes visible, and its record (and, after a rename, the
   * folder) before the write returns, so a power cut never loses a write that returned or leaves a
   * committed object with missing bytes. Default `true`; turn off for scratch data to write faster.
   */
  durable?: boolean;
}

export type { Location } from './folder.js';

/** A folder port: a `StoragePort`, and `sweep` to reclaim what crashed writers left behind. */
export interface FileStoragePort extends StoragePort {
  /**
   * `put(key, body, options)` and `copy(key, mirror, { mirror: true })` in one write: a small
   * create-only object is one new record file, linked as `key`'s record and written in place into
   * `mirror`'s (the gateway's version and the key that shows it).
   *
   * @example
   * ```ts
   * await port.putMirrored('versions/a/0001', 'a', 'hello', { ifNoneMatch: '*' });
   * ```
   */
  putMirrored(key: string, mirror: string, body: Body, options?: PutOptions): Promise<PutResult>;
  /**
   * Removes what crashes leave in the folder — data files no record points to, temp files, locks of
   * crashed writers (taken over as a waiting writer would), claims of crashed takers, empty folders —
   * once untouched for `olderThan` ms (default one hour), and reports what went. Live objects, writes
   * in flight and held locks are never touched, so it can run while other processes write.
   *
   * @example
   * ```ts
   * const { dataFiles, bytes } = await fileStorage('./data').sweep({ olderThan: 60 * 60 * 1000 });
   * ```
   */
  sweep(options?: SweepOptions): Promise<SweepReport>;
  /**
   * The local file holding an object's bytes, for code that reads files itself (the lake's DuckDB
   * engine), or undefined when the bytes live inside the record (objects up to 16 KiB). Valid until the
   * object is overwritten or deleted; never write to it.
   *
   * @example
   * ```ts
   * const path = await fileStorage('./data').localPath('db/acme/x.parquet');
   * ```
   */
  localPath(key: string): Promise<string | undefined>;
}

/**
 * The embedded default: objects in a local folder. Writes are atomic (a data file, then a record
 * renamed into place; objects up to 16 KiB live inside the record), conditional writes hold across
 * processes sharing the folder, and no key can reach outside `root`.
 *
 * @example
 * ```ts
 * const port = fileStorage('./data');
 * await port.put('reports/2026.csv', csvText, { contentType: 'text/csv' });
 * ```
 */
export function fileStorage(root: string, options: FileStorageOptions = {}): FileStoragePort {
  return new FileStorage(resolve(root), options.durable ?? true);
}

class FileStorage implements FileStoragePort {
  readonly name: string;
  private readonly folder: Folder;

  constructor(root: string, durable: boolean) {
    this.folder = new Folder(root, durable);
    this.name = this.folder.name;
  }

  sweep(options: SweepOptions = {}): Promise<SweepReport> {
    return sweepFolder(this.folder.root, options);
  }

  async capabilities(): Promise<StorageCapabilities> {
    return { conditionalWrites: true, multipart: false, presign: false };
  }

  async localPath(key: string): Promise<string | undefined> {
    const at = this.folder.locate(key);
    const { record } = this.folder.mustReadRecord(key, at);
    return record.data === undefined ? undefined : join(at.dir, record.data);
  }

  put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    return writeObject(this.folder, key, body, options);
  }

  /**
   * A small create-only write makes one record file, created as `mirror`'s lock: hard-linked as
   * `key`'s record, then written in place into `mirror`'s (mirror.ts); anything else is a `put` and a
   * `copy` with `mirror`.
   */
  async putMirrored(key: string, mirror: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    const at = this.folder.locate(mirror);
    return writeObject(this.folder, key, body, options, { key: mirror, at });
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const at = this.folder.locate(key);
    // A writer may replace the record and delete the old data between our two reads: retry.
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      const { record, inline } = this.folder.mustReadRecord(key, at);
      checkPreconditions(key, record.etag, { ifMatch: options.ifMatch });
      const range = options.range ? resolveRange(options.range, record.size, key) : undefined;
      // the key asked for, not the record's: the folder may have been written from another root
      const info = { ...objectInfoOf(record), key };
      const start = range?.start ?? 0;
      const length = record.size === 0 ? 0 : (range ? range.end + 1 : record.size) - start;
      if (inline) {
        const bytes = inline.subarray(start, start + length);
        return getResult(info, { stream: () => streamOf(bytes), bytes: async () => bytes }, range);
      }
      try {
        const path = join(at.dir, record.data!);
        const check = dataCheckOf(record, key, start, length);
        return getResult(info, await readDataFile(path, start, length, check, options.signal), range);
      } catch (err) {
        if (!isMissing(err)) throw err;
        if (attempt < 20) continue;
        throw bkError('Corrupt', `the data file of "${key}" is missing; restore it or delete the key`, {
          cause: err,
          details: { key },
        });
      }
    }
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    return { ...objectInfoOf(this.folder.mustReadRecord(key, this.folder.locate(key)).record), key };
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    const prefix = options.prefix ?? '';
    const bounds: WalkBounds = {
      prefix,
      ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
    };
    const cut = new ListingCut(options);
    for await (const object of walkObjects(this.folder.root, listingRoot(prefix), bounds, options.signal)) {
      const entry = cut.next(object);
      // the rest of a folded common prefix is not walked
      if (cut.folded !== undefined) bounds.skip = cut.folded;
      if (entry) yield entry;
      throwIfAborted(options.signal);
    }
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    const at = this.folder.locate(key);
    throwIfAborted(options.signal);
    await withFileLock(
      at.lock,
      async () => {
        let removed: ObjectRecord | undefined;
        try {
          removed = readRecordNow(at.record, key)?.record;
        } catch (err) {
          // a damaged record is deleted too: that is the way out the Corrupt error points to
          if (!BucketkitError.is(err, 'Corrupt')) throw err;
        }
        const existed = unlinkQuietly(at.record);
        if (removed?.data !== undefined) unlinkQuietly(join(at.dir, removed.data));
        // else a power cut could bring the object back after the delete returned
        if (existed && this.folder.durable) await syncFolder(at.dir);
      },
      { signal: options.signal },
    ).catch((err) => {
      // deleting under a folder that does not exist: nothing to delete
      if (!isMissing(err)) throw err;
    });
  }

  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: Abortable = {},
  ): Promise<DeleteManyResult> {
    return deleteEach((key) => this.delete(key, options), keys);
  }

  copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    return copyObject(this.folder, source, destination, options);
  }
}
