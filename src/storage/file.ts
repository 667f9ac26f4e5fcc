import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import { chunksOf, getResult, streamOf } from './body.js';
import {
  closeFd,
  fsync,
  isMissing,
  openCreating,
  openFile,
  readStream,
  readText,
  readWhole,
  writeBytes,
  writeNewFile,
} from './file-io.js';
import { withFileLock } from './file-lock.js';
import { keyToPath, kindOfName, listingRoot, pathToKey } from './file-paths.js';
import { applyListing } from './listing.js';
import type {
  Abortable,
  Body,
  CopyOptions,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListedObject,
  ListOptions,
  Metadata,
  ObjectInfo,
  PutOptions,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from './port.js';
import {
  assertValidKey,
  assertValidMetadata,
  checkPreconditions,
  deleteEach,
  resolveRange,
} from './validate.js';

export interface FileStorageOptions {
  /**
   * fsync each object's data before it becomes visible, so a power cut never leaves a committed
   * object with missing bytes. Default `true`; turn off for scratch data to write faster.
   */
  durable?: boolean;
}

/** The record file that commits an object: its rename is the moment a write becomes visible. */
interface ObjectRecord {
  v: 1;
  key: string;
  data: string;
  etag: string;
  size: number;
  lastModified: number;
  contentType?: string;
  metadata: Metadata;
}

interface Location {
  dir: string;
  base: string;
  record: string;
  lock: string;
}

/**
 * The embedded default: objects in a local folder. Writes are atomic (data file, then a record
 * renamed into place), conditional writes hold across processes sharing the folder, and no key can
 * reach outside `root`.
 *
 * @example
 * ```ts
 * const port = fileStorage('./data');
 * await port.put('reports/2026.csv', csvText, { contentType: 'text/csv' });
 * ```
 */
export function fileStorage(root: string, options: FileStorageOptions = {}): StoragePort {
  return new FileStorage(resolve(root), options.durable ?? true);
}

class FileStorage implements StoragePort {
  readonly name: string;

  constructor(
    private readonly root: string,
    private readonly durable: boolean,
  ) {
    this.name = `file:${root}`;
  }

  async capabilities(): Promise<StorageCapabilities> {
    return { conditionalWrites: true, multipart: false, presign: false };
  }

  private locate(key: string): Location {
    assertValidKey(key);
    const { dirs, base } = keyToPath(key);
    const dir = join(this.root, ...dirs);
    if (dir !== this.root && !dir.startsWith(this.root + sep)) {
      throw bkError('InvalidKey', `key "${key}" maps outside the storage root`, { details: { key } });
    }
    return { dir, base, record: join(dir, `${base}~`), lock: join(dir, `${base}~l`) };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    const at = this.locate(key);
    assertValidMetadata(options.metadata);
    const dataName = `${at.base}~d${randomBytes(8).toString('hex')}`;
    const dataPath = join(at.dir, dataName);
    let committed = false;
    try {
      const { etag, size } = await this.writeData(at.dir, dataPath, body, options);
      const record: ObjectRecord = {
        v: 1,
        key,
        data: dataName,
        etag,
        size,
        lastModified: Date.now(),
        metadata: { ...options.metadata },
        ...(options.contentType ? { contentType: options.contentType } : {}),
      };
      await this.commit(at, record, options);
      committed = true;
      return { etag, size };
    } finally {
      if (!committed) await unlink(dataPath).catch(() => {});
    }
  }

  private async writeData(dir: string, path: string, body: Body, options: PutOptions): Promise<PutResult> {
    const hash = createHash('md5');
    let size = 0;
    // opened while the first chunk arrives
    const opening = openCreating(dir, path);
    opening.catch(() => {}); // awaited below, also when the body fails first
    try {
      // one write per chunk as it comes: measured faster than gathering chunks into larger writes
      for await (const chunk of chunksOf(body, options)) {
        hash.update(chunk);
        size += chunk.byteLength;
        await writeBytes(await opening, chunk);
      }
      const fd = await opening;
      throwIfAborted(options.signal);
      if (this.durable) await fsync(fd);
    } finally {
      const fd = await opening.catch(() => undefined);
      if (fd !== undefined) await closeFd(fd);
    }
    return { etag: hash.digest('hex'), size };
  }

  /** Swaps the record in under the key's lock, checking preconditions against the current record. */
  private async commit(
    at: Location,
    record: ObjectRecord,
    conditions: { ifNoneMatch?: '*'; ifMatch?: string; signal?: AbortSignal },
  ): Promise<void> {
    const temp = join(at.dir, `${at.base}~t${randomBytes(8).toString('hex')}`);
    // the record is written while the lock is taken and the current record read: fewer round trips
    const writing = writeNewFile(temp, Buffer.from(JSON.stringify(record)));
    writing.catch(() => {}); // awaited below; a lock failure must not leave it unobserved
    let replaced: ObjectRecord | undefined;
    let renamed = false;
    let dropping: Promise<void> | undefined;
    try {
      await withFileLock(
        at.lock,
        async () => {
          const current = await this.readRecord(at.record);
          checkPreconditions(record.key, current?.etag, conditions);
          await writing;
          await rename(temp, at.record);
          renamed = true;
          replaced = current;
          // the old data is unreachable now: delete it while the lock is released
          if (replaced) dropping = unlink(join(at.dir, replaced.data)).catch(() => {});
        },
        conditions.signal,
      );
    } finally {
      if (!renamed) {
        await writing.catch(() => {});
        await unlink(temp).catch(() => {});
      }
    }
    await dropping;
  }

  private async readRecord(path: string): Promise<ObjectRecord | undefined> {
    let text: string;
    try {
      text = await readText(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as ObjectRecord;
    } catch (cause) {
      throw bkError('Corrupt', `object record ${path} is not valid JSON; restore it or delete the key`, {
        cause,
      });
    }
  }

  private async mustReadRecord(key: string, at: Location): Promise<ObjectRecord> {
    const record = await this.readRecord(at.record);
    if (!record) throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    return record;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const at = this.locate(key);
    // A writer may replace the record and delete the old data between our two reads: retry.
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      const record = await this.mustReadRecord(key, at);
      checkPreconditions(key, record.etag, { ifMatch: options.ifMatch });
      const range = options.range ? resolveRange(options.range, record.size, key) : undefined;
      let fd: number;
      try {
        fd = await openFile(join(at.dir, record.data), 'r');
      } catch (err) {
        if (isMissing(err) && attempt < 20) continue;
        throw err;
      }
      const info = toInfo(record);
      if (record.size === 0) {
        await closeFd(fd);
        return getResult(info, streamOf(new Uint8Array(0)));
      }
      const start = range?.start ?? 0;
      const length = (range ? range.end + 1 : record.size) - start;
      if (length <= SMALL_READ) {
        return getResult(info, streamOf(await readWhole(fd, start, length, key)), range);
      }
      const stream = readStream(fd, start, length, options.signal);
      return getResult(info, stream, range);
    }
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    return toInfo(await this.mustReadRecord(key, this.locate(key)));
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    const dirs = listingRoot(options.prefix ?? '');
    const objects: ListedObject[] = [];
    await this.collect(dirs, objects, options.signal);
    for (const entry of applyListing(objects, options)) {
      throwIfAborted(options.signal);
      yield entry;
    }
  }

  private async collect(dirs: string[], into: ListedObject[], signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const dir = join(this.root, ...dirs);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const entry of entries) {
      const kind = kindOfName(entry.name);
      if (entry.isDirectory() && (kind === 'directory' || kind === 'continuation')) {
        await this.collect([...dirs, entry.name], into, signal);
      } else if (entry.isFile() && kind === 'record') {
        const record = await this.readRecord(join(dir, entry.name));
        if (!record || safeKey(dirs, entry.name.slice(0, -1)) !== record.key) continue;
        into.push({
          type: 'object',
          key: record.key,
          size: record.size,
          etag: record.etag,
          lastModified: new Date(record.lastModified),
        });
      }
    }
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    const at = this.locate(key);
    throwIfAborted(options.signal);
    let removed: ObjectRecord | undefined;
    await withFileLock(
      at.lock,
      async () => {
        // a damaged record is deleted too: that is the way out the Corrupt error points to
        removed = await this.readRecord(at.record).catch((err) => {
          if (!BucketkitError.is(err, 'Corrupt')) throw err;
          return undefined;
        });
        await unlink(at.record).catch(() => {});
      },
      options.signal,
    ).catch((err) => {
      // deleting under a folder that does not exist: nothing to delete
      if (!isMissing(err)) throw err;
    });
    if (removed) await unlink(join(at.dir, removed.data)).catch(() => {});
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
    const original = await this.mustReadRecord(source, from);
    checkPreconditions(source, original.etag, { ifMatch: options.ifSourceMatch });
    await mkdir(to.dir, { recursive: true });
    const dataName = `${to.base}~d${randomBytes(8).toString('hex')}`;
    // data files are never modified once written, so a hard link is a safe, instant copy
    await link(join(from.dir, original.data), join(to.dir, dataName)).catch((err) => {
      if (isMissing(err))
        throw bkError('NotFound', `"${source}" was deleted during the copy`, { details: { key: source } });
      throw err;
    });
    const contentType = options.metadata
      ? options.contentType
      : (options.contentType ?? original.contentType);
    const record: ObjectRecord = {
      ...original,
      key: destination,
      data: dataName,
      lastModified: Date.now(),
      metadata: { ...(options.metadata ?? original.metadata) },
      ...(contentType ? { contentType } : {}),
    };
    if (!contentType) delete record.contentType;
    let committed = false;
    try {
      await this.commit(to, record, options);
      committed = true;
    } finally {
      if (!committed) await unlink(join(to.dir, dataName)).catch(() => {});
    }
    return { etag: record.etag, size: record.size };
  }
}

/** Objects up to this size are read with one call instead of a stream. */
const SMALL_READ = 256 * 1024;
function toInfo(record: ObjectRecord): ObjectInfo {
  return {
    key: record.key,
    size: record.size,
    etag: record.etag,
    lastModified: new Date(record.lastModified),
    metadata: { ...record.metadata },
    ...(record.contentType ? { contentType: record.contentType } : {}),
  };
}

/** The key a record's path decodes to, or undefined for names that are not ours. */
function safeKey(dirs: string[], base: string): string | undefined {
  try {
    return pathToKey(dirs, base);
  } catch {
    return undefined;
  }
}
