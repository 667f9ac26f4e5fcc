import { BucketkitError, bkError } from '../../errors.js';
import { chunksOf, getResult } from '../contract/body.js';
import type {
  ByteRange,
  GetOptions,
  GetResult,
  ListEntry,
  Metadata,
  ObjectInfo,
  PutOptions,
  StoragePort,
} from '../contract/port.js';
import { resolveRange } from '../contract/validate.js';
import { type DataKey, importDataKey, openedSize, sealChunks } from '../crypto/chunks.js';
import { openFetchedRange, openSealedBody, openSealedRange, sealedRequest } from '../crypto/sealed-range.js';
import { importWrappingKey, newDataKey, unwrapKey, wrapKey } from '../crypto/wrap.js';

/*
 * The gateway's SSE-S3 layout, so either side reads what the other wrote over the same bucket: the
 * mode, the data key wrapped by a master key (the mode is its authenticated context) and the key id.
 */
const MODE_META = 'bucketkit.sse';
const WRAPPED_META = 'bucketkit.sse-key';
const KEY_ID_META = 'bucketkit.sse-kid';
const MODE = 'AES256';

export interface EncryptedOptions {
  /** Master keys by id, 32 bytes each (AES-256). Keep every id that wrapped an object still stored. */
  keys: Record<string, Uint8Array>;
  /** The id that wraps new data keys; default the first. Rotating = adding a key and making it active. */
  activeKey?: string;
}

/** An encrypted port: a port, plus `rewrap` to move an object's data key to the active master key. */
export interface EncryptedPort extends StoragePort {
  /**
   * Wraps the object's data key with the active master key (a metadata-only copy, the sealed bytes are
   * not rewritten). Returns false when it already was.
   */
  rewrap(key: string, options?: { signal?: AbortSignal }): Promise<boolean>;
}

/**
 * Encryption at rest for any port: each object is sealed in 64 KiB AES-256-GCM chunks under its own
 * data key, wrapped by a master key whose id is kept with the object. Ranged reads fetch and open only
 * the chunks they cover, in one request (its answer carries the wrapped key and the stored size); a
 * changed byte, a cut body or an object not written through an encrypted port is `Corrupt`, never
 * other bytes. Sizes are plaintext sizes; ETags are those of the stored bytes.
 * Multipart and presigned URLs are not offered (they would move ciphertext unsealed); `onProgress`
 * counts plaintext bytes. Hidden metadata takes about 130 of the 2 KiB metadata allows.
 *
 * @example
 * ```ts
 * const port = encrypted(fileStorage({ root: './data' }), { keys: { k1: masterKey } });
 * await port.put('secret.txt', 'only ciphertext on disk');
 * ```
 */
export function encrypted(port: StoragePort, options: EncryptedOptions): EncryptedPort {
  const ids = Object.keys(options.keys);
  for (const [id, raw] of Object.entries(options.keys)) {
    if (raw.byteLength !== 32) throw bkError('InvalidArgument', `master key "${id}" must have 32 bytes`);
  }
  const active = options.activeKey ?? ids[0];
  if (active === undefined || !(active in options.keys)) {
    throw bkError('InvalidArgument', `encrypted(): activeKey "${active}" is not one of the keys`);
  }
  const imported = new Map<string, Promise<CryptoKey>>();
  const master = (id: string) => {
    const raw = Object.hasOwn(options.keys, id) ? options.keys[id] : undefined;
    if (!raw) return undefined;
    let key = imported.get(id);
    if (!key) {
      key = importWrappingKey(raw);
      imported.set(id, key);
    }
    return key;
  };

  async function dataKeyOf(info: ObjectInfo): Promise<DataKey> {
    if (info.metadata[MODE_META] !== MODE) {
      throw bkError('Corrupt', `"${info.key}" was not written through an encrypted port: it is not sealed`);
    }
    const id = info.metadata[KEY_ID_META] ?? '';
    const kek = master(id);
    if (!kek) {
      throw bkError('AccessDenied', `"${info.key}" is sealed under master key "${id}", which is not in keys`);
    }
    const raw = await unwrapKey(await kek, info.metadata[WRAPPED_META] ?? '', MODE);
    if (!raw) throw bkError('Corrupt', `the data key of "${info.key}" does not open with master key "${id}"`);
    return importDataKey(raw);
  }

  /** The object as a caller sees it: plaintext size, its own metadata only. */
  function plain<T extends ObjectInfo>(info: T): T {
    const metadata: Metadata = {};
    for (const [name, value] of Object.entries(info.metadata)) {
      if (!name.startsWith(MODE_META)) metadata[name] = value;
    }
    return { ...info, size: openedSize(info.size), metadata };
  }

  /** A ranged read by HEAD first: the data key and plaintext size, then the chunks of that version. */
  async function rangedByHead(key: string, get: GetOptions, range: ByteRange): Promise<GetResult> {
    const info = await port.head(key, get.signal ? { signal: get.signal } : {});
    if (get.ifMatch !== undefined && get.ifMatch !== info.etag) {
      throw bkError('PreconditionFailed', `"${key}" does not have ETag ${get.ifMatch}`);
    }
    const dataKey = await dataKeyOf(info);
    const size = openedSize(info.size);
    const want = resolveRange(range, size, key);
    // the chunks read must be those of the version whose data key was just unwrapped
    const body = await openSealedRange(port, info.etag, dataKey, { ...want, size, name: key }, get.signal);
    return getResult(plain(info), body, want);
  }

  async function put(key: string, body: Parameters<StoragePort['put']>[1], put: PutOptions = {}) {
    const { onProgress, ...rest } = put;
    const raw = newDataKey();
    const metadata: Metadata = {
      ...(put.metadata ?? {}),
      [MODE_META]: MODE,
      [WRAPPED_META]: await wrapKey(await master(active!)!, raw, MODE),
      [KEY_ID_META]: active!,
    };
    const source = chunksOf(body, {
      ...(put.signal ? { signal: put.signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    const sealed = sealChunks(source, await importDataKey(raw));
    const result = await port.put(key, sealed, { ...rest, metadata, etag: 'any' });
    return { etag: result.etag, size: openedSize(result.size) };
  }

  return {
    name: `encrypted(${port.name})`,
    ...(port.keyPrefix !== undefined ? { keyPrefix: port.keyPrefix } : {}),
    async capabilities(signal) {
      return { ...(await port.capabilities(signal)), multipart: false, presign: false };
    },
    put,
    async get(key, get = {}) {
      if (!get.range) {
        const stored = await port.get(key, get);
        let dataKey: DataKey;
        try {
          dataKey = await dataKeyOf(stored);
        } catch (err) {
          await stored.body.cancel().catch(() => {});
          throw err;
        }
        const size = openedSize(stored.size);
        const all = { start: 0, end: size - 1, size, name: key };
        return getResult(plain(stored), openSealedBody(stored.body, dataKey, all));
      }
      // one request: the sealed chunks covering the range, whose answer also carries the wrapped key
      let stored: GetResult;
      try {
        stored = await port.get(key, { ...get, range: sealedRequest(get.range, key) });
      } catch (err) {
        if (!BucketkitError.is(err, 'InvalidRange')) throw err;
        // past the stored end: the range starts past the plaintext too, which the plaintext size tells
        return rangedByHead(key, get, get.range);
      }
      let dataKey: DataKey;
      let want: { start: number; end: number };
      const size = openedSize(stored.size);
      try {
        dataKey = await dataKeyOf(stored);
        want = resolveRange(get.range, size, key);
      } catch (err) {
        await stored.body.cancel().catch(() => {});
        throw err;
      }
      const body = await openFetchedRange(port, stored, dataKey, { ...want, size, name: key }, get.signal);
      return getResult(plain(stored), body, want);
    },
    async head(key, signal) {
      return plain(await port.head(key, signal));
    },
    async *list(list): AsyncGenerator<ListEntry> {
      for await (const entry of port.list(list)) {
        yield entry.type === 'object' ? { ...entry, size: Math.max(0, openedSize(entry.size)) } : entry;
      }
    },
    delete: (key, signal) => port.delete(key, signal),
    deleteMany: (keys, signal) => port.deleteMany(keys, signal),
    async copy(source, destination, copy = {}) {
      // the sealed bytes and their wrapped key move as they are; replaced metadata keeps the seal's
      let metadata = copy.metadata;
      if (metadata) {
        const info = await port.head(source, copy.signal ? { signal: copy.signal } : {});
        await dataKeyOf(info);
        const kept = Object.entries(info.metadata).filter(([name]) => name.startsWith(MODE_META));
        metadata = { ...metadata, ...Object.fromEntries(kept) };
      }
      const result = await port.copy(source, destination, { ...copy, ...(metadata ? { metadata } : {}) });
      return { etag: result.etag, size: openedSize(result.size) };
    },
    async rewrap(key, rewrap = {}) {
      const signal = rewrap.signal ? { signal: rewrap.signal } : {};
      const info = await port.head(key, signal);
      if (info.metadata[KEY_ID_META] === active) return false;
      const dataKey = await dataKeyOf(info);
      const wrapped = await wrapKey(await master(active!)!, dataKey.raw, MODE);
      await port.copy(key, key, {
        ...signal,
        metadata: { ...info.metadata, [WRAPPED_META]: wrapped, [KEY_ID_META]: active! },
        ...(info.contentType ? { contentType: info.contentType } : {}),
        ifSourceMatch: info.etag,
      });
      return true;
    },
    ...(port.close ? { close: () => port.close!() } : {}),
  };
}
