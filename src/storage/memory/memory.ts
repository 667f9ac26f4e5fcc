import { bkError, throwIfAborted } from '../../errors.js';
import { chunksOf, concatBytes, getResult, streamOf } from '../contract/body.js';
import { applyListing } from '../contract/listing.js';
import { createMd5, writeToken } from '../contract/md5.js';
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

interface StoredObject {
  info: ObjectInfo;
  data: Uint8Array;
}

/**
 * A port that keeps objects in memory: for tests, and for browsers. Conditional writes are exact
 * (the check and the commit happen in one synchronous step).
 *
 * @example
 * ```ts
 * const port = memoryStorage();
 * await port.put('a.txt', 'hello');
 * ```
 */
export function memoryStorage(options: { name?: string } = {}): StoragePort {
  return new MemoryStorage(options.name ?? 'memory');
}

class MemoryStorage implements StoragePort {
  readonly name: string;
  private readonly objects = new Map<string, StoredObject>();

  constructor(name: string) {
    this.name = `memory:${name}`;
  }

  async capabilities(): Promise<StorageCapabilities> {
    return { conditionalWrites: true, multipart: false, presign: false };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    assertValidMetadata(options.metadata);
    const hash = options.etag === 'any' ? undefined : createMd5();
    const chunks: Uint8Array[] = [];
    for await (const chunk of chunksOf(body, options)) {
      // copy: callers may reuse their buffers after put() returns
      const owned = chunk.slice();
      hash?.update(owned);
      chunks.push(owned);
    }
    throwIfAborted(options.signal);
    const data = concatBytes(chunks);
    checkPreconditions(key, this.objects.get(key)?.info.etag, options);
    const info: ObjectInfo = {
      key,
      size: data.byteLength,
      etag: hash ? hash.hex() : writeToken(),
      lastModified: new Date(),
      metadata: { ...options.metadata },
      ...(options.contentType ? { contentType: options.contentType } : {}),
    };
    this.objects.set(key, { info, data });
    return { etag: info.etag, size: info.size };
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    throwIfAborted(options.signal);
    const object = this.find(key);
    checkPreconditions(key, object.info.etag, { ifMatch: options.ifMatch });
    const info = cloneInfo(object.info);
    // a copy: a caller that changes what it read must not change what is stored
    if (!options.range) return getResult(info, streamOf(object.data.slice()));
    const range = resolveRange(options.range, object.data.byteLength, key);
    return getResult(info, streamOf(object.data.slice(range.start, range.end + 1)), range);
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal);
    return cloneInfo(this.find(key).info);
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    throwIfAborted(options.signal);
    const objects = [...this.objects.values()].map(({ info }) => ({
      type: 'object' as const,
      key: info.key,
      size: info.size,
      etag: info.etag,
      lastModified: info.lastModified,
    }));
    for (const entry of applyListing(objects, options)) {
      throwIfAborted(options.signal);
      yield entry;
    }
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    this.objects.delete(key);
  }

  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: Abortable = {},
  ): Promise<DeleteManyResult> {
    return deleteEach((key) => this.delete(key, options), keys);
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    assertValidKey(destination);
    assertValidMetadata(options.metadata);
    throwIfAborted(options.signal);
    const object = this.find(source);
    checkPreconditions(source, object.info.etag, { ifMatch: options.ifSourceMatch });
    checkPreconditions(destination, this.objects.get(destination)?.info.etag, options);
    const contentType = options.metadata
      ? options.contentType
      : (options.contentType ?? object.info.contentType);
    const info: ObjectInfo = {
      ...cloneInfo(object.info),
      key: destination,
      lastModified: new Date(),
      metadata: { ...(options.metadata ?? object.info.metadata) },
      ...(contentType ? { contentType } : {}),
    };
    this.objects.set(destination, { info, data: object.data });
    return { etag: info.etag, size: info.size };
  }

  private find(key: string): StoredObject {
    assertValidKey(key);
    const object = this.objects.get(key);
    if (!object) throw bkError('NotFound', `no object "${key}" in ${this.name}`, { details: { key } });
    return object;
  }
}

function cloneInfo(info: ObjectInfo): ObjectInfo {
  return { ...info, lastModified: new Date(info.lastModified), metadata: { ...info.metadata } };
}
