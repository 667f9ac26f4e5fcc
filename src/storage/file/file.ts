import { createHash } from 'node:crypto';
import { closeSync, existsSync, futimesSync, openSync } from 'node:fs';
import { link, unlink, utimes } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import { chunksOf, concatBytes, getResult, readUpTo, streamOf } from '../contract/body.js';
import { ListingCut } from '../contract/listing.js';
import { writeToken } from '../contract/md5.js';
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
import {
  assertValidKey,
  assertValidMetadata,
  checkPreconditions,
  deleteEach,
  resolveRange,
} from '../contract/validate.js';
import { dataFileSuffix, unlinkQuietly, writeDataFile } from './data.js';
import { dataCheckOf, readDataFile } from './data-read.js';
import { fsync, isMissing, makeFolder, syncFolder, writeChunksNow } from './io.js';
import { type WalkBounds, walkObjects } from './list.js';
import { type LinkedLock, withFileLock } from './lock.js';
import { writeMirrored } from './mirror.js';
import { keyToPath, listingRoot } from './paths.js';
import {
  encodeRecord,
  INLINE_MAX,
  type ObjectRecord,
  openRecordForWriteNow,
  readOpenRecordNow,
  readRecordNow,
  type StoredRecord,
} from './record.js';
import { markDoneNow, newRecordFile, writeOtherSlotNow } from './record-slots.js';
import { type SweepOptions, type SweepReport, sweepFolder } from './sweep.js';

export interface FileStorageOptions {
  /**
   * fsync each object's data before it becomes visible, and its record (and, after a rename, the
   * folder) before the write returns, so a power cut never loses a write that returned or leaves a
   * committed object with missing bytes. Default `true`; turn off for scratch data to write faster.
   */
  durable?: boolean;
}

/** Where a key's files are. */
export interface Location {
  dir: string;
  base: string;
  record: string;
  lock: string;
}

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

  constructor(
    private readonly root: string,
    private readonly durable: boolean,
  ) {
    this.name = `file:${root}`;
  }

  sweep(options: SweepOptions = {}): Promise<SweepReport> {
    return sweepFolder(this.root, options);
  }

  async capabilities(): Promise<StorageCapabilities> {
    return { conditionalWrites: true, multipart: false, presign: false };
  }

  async localPath(key: string): Promise<string | undefined> {
    const at = this.locate(key);
    const { record } = this.mustReadRecord(key, at);
    return record.data === undefined ? undefined : join(at.dir, record.data);
  }

  // paths of recently used keys: mapping a key costs more than the record read of a small GET
  private readonly located = new Map<string, Location>();

  private locate(key: string): Location {
    const known = this.located.get(key);
    if (known) return known;
    assertValidKey(key);
    const { dirs, base } = keyToPath(key);
    const dir = join(this.root, ...dirs);
    if (dir !== this.root && !dir.startsWith(this.root + sep)) {
      throw bkError('InvalidKey', `key "${key}" maps outside the storage root`, { details: { key } });
    }
    const at = { dir, base, record: join(dir, `${base}~`), lock: join(dir, `${base}~l`) };
    if (this.located.size >= LOCATED_MAX) this.located.delete(this.located.keys().next().value as string);
    this.located.set(key, at);
    return at;
  }

  put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    return this.write(key, body, options);
  }

  /**
   * A small create-only write makes one record file, created as `mirror`'s lock: hard-linked as
   * `key`'s record, then written in place into `mirror`'s (mirror.ts); anything else is a `put` and a
   * `copy` with `mirror`.
   */
  async putMirrored(key: string, mirror: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    const to = this.locate(mirror);
    return this.write(key, body, options, { key: mirror, at: to });
  }

  private async write(
    key: string,
    body: Body,
    options: PutOptions,
    mirror?: { key: string; at: Location },
  ): Promise<PutResult> {
    const at = this.locate(key);
    assertValidMetadata(options.metadata);
    const chunks = chunksOf(body, options);
    const head = await readUpTo(chunks, INLINE_MAX);
    const record = (etag: string, size: number, data?: string): ObjectRecord => ({
      v: 1,
      key,
      ...(data === undefined ? {} : { data }),
      etag,
      // a data file's MD5, which whole reads check (inline bytes are covered by the record's CRC)
      ...(data !== undefined && options.etag !== 'any' ? { sum: 'md5' as const } : {}),
      size,
      lastModified: Date.now(),
      metadata: { ...options.metadata },
      ...(options.contentType ? { contentType: options.contentType } : {}),
    });
    if (head.done) {
      // small: the bytes go inside the record, one file for the whole write
      throwIfAborted(options.signal);
      const bytes = concatBytes(head.chunks, head.size);
      const etag = options.etag === 'any' ? writeToken() : createHash('md5').update(bytes).digest('hex');
      if (mirror && options.ifNoneMatch === '*' && options.ifMatch === undefined) {
        await writeMirrored(at, mirror.at, encodeRecord(record(etag, head.size), bytes), {
          durable: this.durable,
          key,
          mirror: mirror.key,
          signal: options.signal,
        });
        return { etag, size: head.size };
      }
      await this.commit(at, record(etag, head.size), options, bytes);
      if (mirror) await this.copy(key, mirror.key, { mirror: true, ...signalOf(options) });
      return { etag, size: head.size };
    }
    const dataName = `${at.base}~d${dataFileSuffix()}`;
    const dataPath = join(at.dir, dataName);
    let committed = false;
    try {
      const { etag, size } = await writeDataFile(at.dir, dataPath, head, chunks, {
        ...options,
        durable: this.durable,
      });
      await this.commit(at, record(etag, size, dataName), options);
      committed = true;
      if (mirror) await this.copy(key, mirror.key, { mirror: true, ...signalOf(options) });
      return { etag, size };
    } finally {
      if (!committed) {
        unlinkQuietly(dataPath);
        // stopped early (a disk error, an abort): tell the body's producer nobody reads any more
        await chunks.return(undefined).catch(() => {});
      }
    }
  }

  /**
   * Under the key's lock, checks the preconditions against the current record and writes the new
   * one: in place, into the slot the current record is not in (record-slots.ts), or for a new
   * key (or a record that outgrew its slot) into the lock file, renamed into place. `inline` bytes go
   * inside the record. A durable port syncs the record (and after a rename, its folder) before the
   * write returns and the old data file goes. With a `linked` lock (another record file, `mirror`)
   * the lock file is no place for a record: false, and nothing written, when no write in place fits.
   */
  private async commit(
    at: Location,
    record: ObjectRecord,
    conditions: { ifNoneMatch?: '*'; ifMatch?: string; signal?: AbortSignal },
    inline?: Uint8Array,
    linked?: LinkedLock,
  ): Promise<boolean> {
    return withFileLock(
      at.lock,
      async (lock) => {
        // a create-only write expects no record: asking first spares the failed open's error (its
        // stack trace costs more than the syscall)
        const absent = conditions.ifNoneMatch === '*' && !existsSync(at.record);
        const open = absent ? undefined : openRecordForWriteNow(at.record, record.key);
        const old = open?.stored.record;
        try {
          checkPreconditions(record.key, old?.etag, conditions);
          const place = open?.stored.place;
          const payload = encodeRecord(record, inline);
          const seq = open && place ? writeOtherSlotNow(open.fd, place, payload) : undefined;
          if (seq !== undefined) {
            if (this.durable) await fsync(open!.fd);
            // from here a damaged slot is Corrupt, never a reason to read the record before it
            markDoneNow(open!.fd, place!.slotB, seq);
          } else {
            if (linked) return false;
            writeChunksNow(lock.fd, [newRecordFile(payload)]);
            if (this.durable) await fsync(lock.fd);
            // no record file yet (`open` is undefined under the lock): a rename to a new name, or a
            // link when created only (putMirrored links records without this lock, mirror.ts)
            const fresh =
              open === undefined && conditions.ifNoneMatch === '*' ? 'create' : open === undefined;
            await lock.commit(at.record, fresh).catch((err: NodeJS.ErrnoException) => {
              if (err.code !== 'EEXIST') throw err;
              checkPreconditions(record.key, 'present', conditions);
            });
            // the rename itself survives a power cut only once the folder is synced
            if (this.durable) await syncFolder(at.dir);
          }
        } finally {
          if (open) closeSync(open.fd);
        }
        // the old data is unreachable now
        if (old?.data !== undefined) unlinkQuietly(join(at.dir, old.data));
        return true;
      },
      { signal: conditions.signal, makeDir: true, ...(linked ? { linked } : {}) },
    );
  }

  private mustReadRecord(key: string, at: Location): StoredRecord {
    const stored = readRecordNow(at.record, key);
    if (!stored) throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    return stored;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const at = this.locate(key);
    // A writer may replace the record and delete the old data between our two reads: retry.
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      const { record, inline } = this.mustReadRecord(key, at);
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
    return { ...objectInfoOf(this.mustReadRecord(key, this.locate(key)).record), key };
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    const prefix = options.prefix ?? '';
    const bounds: WalkBounds = {
      prefix,
      ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
    };
    const cut = new ListingCut(options);
    for await (const object of walkObjects(this.root, listingRoot(prefix), bounds, options.signal)) {
      const entry = cut.next(object);
      // the rest of a folded common prefix is not walked
      if (cut.folded !== undefined) bounds.skip = cut.folded;
      if (entry) yield entry;
      throwIfAborted(options.signal);
    }
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    const at = this.locate(key);
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
        if (existed && this.durable) await syncFolder(at.dir);
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

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    const from = this.locate(source);
    const to = this.locate(destination);
    assertValidMetadata(options.metadata);
    throwIfAborted(options.signal);
    if (options.mirror && !options.metadata && !options.contentType && source !== destination) {
      const mirrored = await this.mirror(source, from, destination, to, options);
      if (mirrored) return mirrored;
    }
    const { record: original, inline } = this.mustReadRecord(source, from);
    checkPreconditions(source, original.etag, { ifMatch: options.ifSourceMatch });
    const dataName = inline ? undefined : `${to.base}~d${dataFileSuffix()}`;
    if (dataName !== undefined) await linkData(join(from.dir, original.data!), to.dir, dataName, source);
    const contentType = options.metadata
      ? options.contentType
      : (options.contentType ?? original.contentType);
    const record: ObjectRecord = {
      ...original,
      key: destination,
      lastModified: Date.now(),
      metadata: { ...(options.metadata ?? original.metadata) },
      ...(contentType ? { contentType } : {}),
    };
    if (dataName === undefined) delete record.data;
    else record.data = dataName;
    if (!contentType) delete record.contentType;
    let committed = false;
    try {
      await this.commit(to, record, options, inline);
      committed = true;
    } finally {
      if (!committed && dataName !== undefined) await unlink(join(to.dir, dataName)).catch(() => {});
    }
    return { etag: record.etag, size: record.size };
  }

  /**
   * A copy with `mirror`: the source's record as it is (its Last-Modified too), written in place into
   * the destination's record. The destination's lock is taken by hard-linking the source's record
   * file to the lock's name (lock.ts), so the write makes and frees no file: on ext4 a new file costs
   * more than the rest of a small write (its inode search skips every recently freed one). Undefined
   * when this does not apply (a data file, named from its record's folder; no record to write in
   * place): the caller copies.
   */
  private async mirror(
    source: string,
    from: Location,
    destination: string,
    to: Location,
    options: CopyOptions,
  ): Promise<PutResult | undefined> {
    let fd: number;
    try {
      fd = openSync(from.record, 'r');
    } catch (err) {
      if (isMissing(err)) return undefined; // the copy reports it
      throw err;
    }
    try {
      const { record, inline, place } = readOpenRecordNow(source, fd);
      checkPreconditions(source, record.etag, { ifMatch: options.ifSourceMatch });
      if (!inline || !place) return undefined;
      // the file is a lock while it has the lock's name: as fresh as a new one, for waiters (lock.ts)
      const now = new Date();
      futimesSync(fd, now, now);
      const linked = { from: from.record, fd };
      const written = await this.commit(to, { ...record, key: destination }, options, inline, linked);
      return written ? { etag: record.etag, size: record.size } : undefined;
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) {
        throw bkError('NotFound', `"${source}" was deleted during the copy`, {
          cause: err,
          details: { key: source },
        });
      }
      throw err;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Hard-links a data file as the copy's data (data files are never modified once written, so this is a
 * safe, instant copy), making the folder again if a sweep removed it meanwhile. The link is touched:
 * it shares the source's modification time, and a sweep takes a file older than its grace period and
 * named by no record for a crash's leftover.
 */
async function linkData(from: string, dir: string, name: string, source: string): Promise<void> {
  const to = join(dir, name);
  for (let attempt = 1; ; attempt++) {
    await makeFolder(dir);
    try {
      await link(from, to);
      break;
    } catch (err) {
      if (!isMissing(err)) throw err;
      if (attempt === 8 || !existsSync(from))
        throw bkError('NotFound', `"${source}" was deleted during the copy`, { details: { key: source } });
    }
  }
  const now = new Date();
  await utimes(to, now, now);
}

/** How many keys' paths a port remembers. */
const LOCATED_MAX = 4096;

const signalOf = (options: Abortable): Abortable => (options.signal ? { signal: options.signal } : {});
