/**
 * `delta(port)`: a StoragePort that stores archives the DeltaGlider way (one `reference.bin` per
 * folder, `<name>.delta` against it) and shows them under their own names, sizes and ETags. Anything
 * a gateway or a module can do with a port works on top of it.
 */
import { BucketkitError, bkError } from '../errors.js';
import {
  assertValidKey,
  assertValidMetadata,
  chunksOf,
  concatBytes,
  getResult,
  resolveRange,
  streamOf,
} from '../storage/browser.js';
import type {
  Body,
  GetResult,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from '../storage/index.js';
import { memoryReferenceCache, type ReferenceCache } from './cache.js';
import { mappedListing, renamed } from './delta-list.js';
import { isDeltaGliderObject, originalEtag, readField, userMetadataOf } from './metadata.js';
import { DELTA_SUFFIX, isValidName, REFERENCE_NAME } from './names.js';
import type { DeltaPolicyOptions } from './policy.js';
import { DeltaSpace } from './space.js';
import { verifying } from './storage-bodies.js';

export interface DeltaStorageOptions extends DeltaPolicyOptions {
  /**
   * Key prefixes whose archives are delta-compressed (default `['']`: the whole port). Each folder
   * (the key up to its last `/`) under them is one DeltaSpace with its own `reference.bin`.
   */
  prefixes?: readonly string[];
  /** Where references are kept between calls (default an in-process 256 MiB LRU; `false`: none). */
  cache?: ReferenceCache | false;
  /** Archives larger than this are stored as they are, streamed, never held in memory (256 MiB). */
  maxDeltaSize?: number;
  /** Written as `dg-tool` (default `bucketkit`). */
  tool?: string;
  /** See `DeltaSpaceOptions.assumeSingleWriter`: references on ports without conditional writes. */
  assumeSingleWriter?: boolean;
  /** See `DeltaSpaceOptions.secondaryCompression` (default `'lzma'`). */
  secondaryCompression?: 'lzma' | 'none';
}

interface Managed {
  space: DeltaSpace;
  name: string;
  deltaKey: string;
}

const isNotFound = (err: unknown) => BucketkitError.is(err, 'NotFound');

/**
 * Wraps `port` so archives are stored as DeltaGlider deltas, transparently: `get` rebuilds and
 * SHA-256-checks them, `head` and `list` give original sizes and MD5 ETags, ranges are cut from the
 * rebuilt file. Other files are stored as regular objects. Conditional writes on an archive store it
 * directly (one object, so the condition stays atomic); `reference.bin` and `*.delta` keys inside
 * `prefixes` are reserved (`InvalidKey`).
 *
 * @example
 * ```ts
 * const port = delta(s3Storage({ bucket: 'artifacts' }), { prefixes: ['releases/'] });
 * await port.put('releases/app/app-1.1.zip', bytes); // stored as releases/app/app-1.1.zip.delta
 * const back = await (await port.get('releases/app/app-1.1.zip')).bytes();
 * ```
 */
export function delta(port: StoragePort, options: DeltaStorageOptions = {}): StoragePort {
  const prefixes = options.prefixes ?? [''];
  const cache = options.cache === false ? undefined : (options.cache ?? memoryReferenceCache());
  const maxDeltaSize = options.maxDeltaSize ?? 256 * 1024 * 1024;
  const spaces = new Map<string, DeltaSpace>();
  const policyOptions = {
    ...(options.archiveTypes ? { archiveTypes: options.archiveTypes } : {}),
    ...(options.minSize !== undefined ? { minSize: options.minSize } : {}),
    ...(options.maxRatio !== undefined ? { maxRatio: options.maxRatio } : {}),
  };
  const spaceOf = (dir: string) => {
    let space = spaces.get(dir);
    if (!space) {
      space = new DeltaSpace(port, {
        ...policyOptions,
        prefix: dir,
        ...(cache ? { cache } : {}),
        ...(options.tool ? { tool: options.tool } : {}),
        ...(options.assumeSingleWriter ? { assumeSingleWriter: true } : {}),
        ...(options.secondaryCompression ? { secondaryCompression: options.secondaryCompression } : {}),
      });
      spaces.set(dir, space);
    }
    return space;
  };
  const policy = spaceOf('').policy; // validates the options up front

  /** The DeltaSpace and file name of `key`, or undefined for keys stored as they are. */
  function managed(key: string): Managed | undefined {
    if (!prefixes.some((p) => key.startsWith(p))) return undefined;
    const slash = key.lastIndexOf('/');
    const name = key.slice(slash + 1);
    if (name === REFERENCE_NAME || name.endsWith(DELTA_SUFFIX)) {
      throw bkError('InvalidKey', `"${key}": reference.bin and *.delta are reserved by the delta layout`, {
        details: { key },
      });
    }
    // A folder ending in "/" (an empty segment, as in "a//b") cannot be a DeltaSpace prefix.
    if (!isValidName(name) || (slash > 0 && key[slash - 1] === '/')) return undefined;
    return { space: spaceOf(slash === -1 ? '' : key.slice(0, slash)), name, deltaKey: key + DELTA_SUFFIX };
  }

  /** The object at `key` as the caller sees it (original ETag and metadata). */
  function shown(info: ObjectInfo, key: string): ObjectInfo {
    const out: ObjectInfo = {
      key,
      size: info.size,
      etag: originalEtag(info.metadata, info.etag),
      lastModified: info.lastModified,
      metadata: userMetadataOf(info.metadata),
    };
    if (info.contentType !== undefined) out.contentType = info.contentType;
    return out;
  }

  async function head(key: string, o: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    const m = managed(key);
    try {
      return shown(await port.head(key, o), key);
    } catch (err) {
      if (!m || !isNotFound(err)) throw err;
    }
    const info = await m.space.head(m.name, o).catch((err: unknown) => {
      throw isNotFound(err) ? bkError('NotFound', `no object "${key}"`, { details: { key } }) : err;
    });
    const out: ObjectInfo = {
      key,
      size: info.size,
      etag: info.etag,
      lastModified: info.lastModified,
      metadata: info.metadata,
    };
    if (info.contentType !== undefined) out.contentType = info.contentType;
    return out;
  }

  async function put(key: string, body: Body, o: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    assertValidMetadata(o.metadata);
    const m = managed(key);
    if (!m || !policy.wants(m.name, Number.MAX_SAFE_INTEGER)) return putPlain(key, body, o, m);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const source = chunksOf(body, o)[Symbol.asyncIterator]();
    for (let next = await source.next(); !next.done; next = await source.next()) {
      chunks.push(next.value);
      size += next.value.byteLength;
      if (size > maxDeltaSize) {
        async function* rest() {
          yield* chunks;
          for (let more = await source.next(); !more.done; more = await source.next()) yield more.value;
        }
        const { onProgress: _, ...plain } = o;
        return putPlain(key, rest(), plain, m);
      }
    }
    const bytes = concatBytes(chunks, size);
    const { signal, metadata, contentType } = o;
    const common = {
      ...(signal ? { signal } : {}),
      ...(metadata ? { metadata } : {}),
      ...(contentType ? { contentType } : {}),
    };
    if (!policy.wants(m.name, size)) return putPlain(key, bytes, o, m);
    if (o.ifNoneMatch || o.ifMatch) return putConditional(key, bytes, o, m, common);
    try {
      const result = await m.space.put(m.name, bytes, common);
      return { etag: result.etag, size };
    } catch (err) {
      // The dg-* keys did not fit next to the caller's metadata: keep the file as a regular object.
      if (BucketkitError.is(err, 'MetadataTooLarge')) return putPlain(key, bytes, o, m);
      throw err;
    }
  }

  async function putPlain(
    key: string,
    body: Body,
    o: PutOptions,
    m: Managed | undefined,
  ): Promise<PutResult> {
    const result = await port.put(key, body, o);
    if (m) await port.delete(m.deltaKey, o.signal ? { signal: o.signal } : {});
    return result;
  }

  /** A conditional write stores the file directly: one object, so the backend's condition is atomic. */
  async function putConditional(
    key: string,
    bytes: Uint8Array,
    o: PutOptions,
    m: Managed,
    common: { signal?: AbortSignal; metadata?: Record<string, string>; contentType?: string },
  ): Promise<PutResult> {
    let current: ObjectInfo | undefined;
    let direct: ObjectInfo | undefined;
    try {
      direct = await port.head(key, common);
      current = shown(direct, key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      current = await head(key, common).catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
    }
    if ((o.ifNoneMatch && current) || (o.ifMatch !== undefined && current?.etag !== o.ifMatch)) {
      const caps = await port.capabilities(common);
      if (!caps.conditionalWrites) {
        throw bkError('Unsupported', `${port.name} does not enforce conditional writes`, {
          details: { key },
        });
      }
      throw bkError('PreconditionFailed', `"${key}" does not match the write's condition`, {
        details: { key },
      });
    }
    const condition = direct ? { ifMatch: direct.etag } : { ifNoneMatch: '*' as const };
    const result = await m.space.put(m.name, bytes, { ...common, direct: true, ...condition });
    return { etag: result.etag, size: bytes.length };
  }

  async function get(
    key: string,
    o: { signal?: AbortSignal; range?: { start: number; end?: number }; ifMatch?: string } = {},
  ): Promise<GetResult> {
    assertValidKey(key);
    const m = managed(key);
    if (!m) return port.get(key, o);
    let object: GetResult;
    try {
      object = await port.get(key, o);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return getDelta(key, m, o);
    }
    const info = shown(object, key);
    if (o.range || !isDeltaGliderObject(object.metadata)) return getResult(info, object.body, object.range);
    const expected = readField(object.metadata, 'file-sha256') as string;
    return getResult(info, object.body.pipeThrough(verifying(expected.toLowerCase(), key)));
  }

  async function getDelta(
    key: string,
    m: Managed,
    o: { signal?: AbortSignal; range?: { start: number; end?: number }; ifMatch?: string },
  ): Promise<GetResult> {
    const { bytes, info } = await m.space
      .read(m.name, o.signal ? { signal: o.signal } : {})
      .catch((err: unknown) => {
        throw isNotFound(err) ? bkError('NotFound', `no object "${key}"`, { details: { key } }) : err;
      });
    if (o.ifMatch !== undefined && o.ifMatch !== info.etag) {
      throw bkError('PreconditionFailed', `"${key}" has another ETag than ifMatch`, { details: { key } });
    }
    const out: ObjectInfo = {
      key,
      size: bytes.length,
      etag: info.etag,
      lastModified: info.lastModified,
      metadata: info.metadata,
    };
    if (info.contentType !== undefined) out.contentType = info.contentType;
    if (!o.range) return getResult(out, streamOf(bytes));
    const range = resolveRange(o.range, bytes.length, key);
    return getResult(out, streamOf(bytes.subarray(range.start, range.end + 1)), range);
  }

  async function* list(o: ListOptions = {}): AsyncGenerator<ListEntry> {
    const map = async (entry: ListEntry): Promise<ListEntry | undefined> => {
      if (entry.type !== 'object' || !prefixes.some((p) => entry.key.startsWith(p))) return entry;
      const base = entry.key.slice(entry.key.lastIndexOf('/') + 1);
      if (base === REFERENCE_NAME) return undefined;
      if (!base.endsWith(DELTA_SUFFIX) || !isValidName(base.slice(0, -DELTA_SUFFIX.length))) return entry;
      const info = await port.head(entry.key, o.signal ? { signal: o.signal } : {});
      const size = Number(readField(info.metadata, 'file-size'));
      const key = entry.key.slice(0, -DELTA_SUFFIX.length);
      const etag = originalEtag(info.metadata, entry.etag);
      return renamed({
        type: 'object',
        key,
        size: Number.isSafeInteger(size) ? size : entry.size,
        etag,
        lastModified: entry.lastModified,
      });
    };
    yield* mappedListing(port.list(o), o, map);
  }

  async function remove(key: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    assertValidKey(key);
    const m = managed(key);
    if (!m) return port.delete(key, o);
    const hadDelta = await port.head(m.deltaKey, o).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (hadDelta) await m.space.delete(m.name, o);
    else await port.delete(key, o);
  }

  return {
    name: `delta(${port.name})`,
    ...(port.keyPrefix ? { keyPrefix: port.keyPrefix } : {}),
    async capabilities(o) {
      const caps: StorageCapabilities = await port.capabilities(o);
      const notes = [
        ...(caps.notes ?? []),
        'delta: archives are held in memory; multipart and presign are not offered',
      ];
      return { conditionalWrites: caps.conditionalWrites, multipart: false, presign: false, notes };
    },
    put,
    get,
    head,
    list,
    delete: remove,
    async deleteMany(keys, o = {}) {
      const stored: string[] = [];
      const touched = new Set<DeltaSpace>();
      let deleted = 0;
      for await (const key of keys) {
        assertValidKey(key);
        const m = managed(key);
        stored.push(key);
        if (m) {
          stored.push(m.deltaKey);
          touched.add(m.space);
        }
        deleted++;
      }
      await port.deleteMany(stored, o);
      for (const space of touched) await space.pruneReference(o);
      return { deleted };
    },
    async copy(source, destination, o = {}) {
      assertValidKey(source);
      assertValidKey(destination);
      if (!managed(source) && !managed(destination)) return port.copy(source, destination, o);
      const object = await get(source, o.signal ? { signal: o.signal } : {});
      if (o.ifSourceMatch !== undefined && o.ifSourceMatch !== object.etag) {
        await object.body.cancel();
        throw bkError('PreconditionFailed', `"${source}" has another ETag than ifSourceMatch`, {
          details: { key: source },
        });
      }
      const bytes = await object.bytes();
      const contentType = o.contentType ?? object.contentType;
      return put(destination, bytes, {
        metadata: o.metadata ?? object.metadata,
        ...(contentType ? { contentType } : {}),
        ...(o.ifNoneMatch ? { ifNoneMatch: o.ifNoneMatch } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
    },
    ...(port.close ? { close: () => port.close!() } : {}),
  };
}
