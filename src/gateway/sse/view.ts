import {
  type Body,
  chunksOf,
  type DataKey,
  type GetOptions,
  type GetResult,
  getResult,
  importDataKey,
  importWrappingKey,
  type Metadata,
  newDataKey,
  type ObjectInfo,
  openedSize,
  openFetchedRange,
  openSealedBody,
  type PutOptions,
  type PutResult,
  resolveRange,
  type StoragePort,
  sealChunks,
  wrapKey,
} from '../../storage/index.js';
import { ETAG_META } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { assembledSize, checkAssembledKey, headWithLead, isAssembled, WRAPPED_META } from './assembled.js';
import { openAssembled } from './assembled-read.js';
import {
  announceServerKey,
  KEY_ID_META,
  keyNeeded,
  type Mode,
  modeOf,
  notApplicable,
  openDataKey,
  SSE_META,
} from './data-key.js';
import { firstRead, plainAnswer } from './first-read.js';
import { isObjectData, markSealed, plaintextListing, wrapContext } from './listing.js';
import { kmsKeyId } from './multipart.js';
import { dropPlainEtag, hashed, keepPlainEtag, plainEtagReader, sealedEtagOf } from './plain-etag.js';
import type { WriteEncryption } from './request.js';
import type { SseScope } from './scope.js';

export type { SseScope };

/** Object data (client objects, upload parts, versions): what encryption covers. */
const isData = isObjectData;

/** The object as a client sees it: plaintext size, no encryption metadata. */
function plain<T extends ObjectInfo>(info: T): T {
  const metadata: Metadata = {};
  for (const [name, value] of Object.entries(info.metadata)) {
    if (!name.startsWith(SSE_META)) metadata[name] = value;
  }
  const size = isAssembled(info.metadata) ? assembledSize(info.metadata) : openedSize(info.size);
  return { ...info, size, metadata };
}

/**
 * A port seen through one request's encryption parameters: objects written with `write` are sealed
 * (AES-256-GCM chunks under a fresh data key, wrapped by a master key or the customer's key); reads of
 * sealed objects check the key, open only the chunks a range needs and show plaintext sizes.
 *
 * @example
 * ```ts
 * const bucket = { ...served, port: sseView(served.port, scope) };
 * ```
 */
export function sseView(
  port: StoragePort,
  scope: SseScope,
  byDefault?: () => Promise<WriteEncryption | undefined>,
): StoragePort {
  // a suffix GET reads the object's plaintext MD5 for its HEAD and again for its GET: once is enough
  const plainEtags = plainEtagReader(port);

  const dataKeyOf = (info: ObjectInfo) => openDataKey(scope, info);
  const announce = (mode: Mode, id: string) => announceServerKey(scope, mode, id);

  /** What this request's HEAD saw: the GET that follows it (a suffix range, a part) reads that version. */
  let looked: ObjectInfo | undefined;

  async function head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo> {
    // a client's HEAD with a customer key may need an assembled object's first header: read at once
    const { info, lead } =
      scope.guardHead && scope.readKey
        ? await headWithLead(port, key, options?.signal)
        : { info: await port.head(key, options), lead: undefined };
    looked = info;
    if (!modeOf(info.metadata)) {
      if (scope.guardHead && scope.readKey) throw notApplicable();
      return info;
    }
    if (scope.guardHead && isAssembled(info.metadata)) {
      if (!scope.readKey) throw keyNeeded(key);
      await checkAssembledKey(port, info, scope.readKey, options?.signal, lead);
      announceCustomer();
    } else if (scope.guardHead) await dataKeyOf(info);
    return plainEtags.shown(plain(info), modeOf(info.metadata), options?.signal);
  }

  async function get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const known = looked?.key === key && looked.etag === options.ifMatch ? looked : undefined;
    if (known && isAssembled(known.metadata)) return getAssembled(key, known, undefined, options);
    const first = await firstRead(port, key, options, known && modeOf(known.metadata) !== undefined);
    const { stored } = first;
    if (!modeOf(stored.metadata)) {
      if (scope.readKey) {
        await stored.body.cancel().catch(() => {});
        throw notApplicable();
      }
      return plainAnswer(port, key, first, options);
    }
    if (isAssembled(stored.metadata)) return getAssembled(key, stored, stored, options);
    const size = openedSize(stored.size);
    let dataKey: DataKey;
    let want = { start: 0, end: size - 1 };
    try {
      dataKey = await dataKeyOf(stored);
      if (options.range) want = resolveRange(options.range, size, key);
    } catch (err) {
      await stored.body.cancel().catch(() => {});
      throw err;
    }
    const span = { ...want, size, name: key };
    // the chunks of a range come with the first read; read again (same version) only if they did not
    const body = options.range
      ? await openFetchedRange(port, stored, dataKey, span, options.signal)
      : openSealedBody(stored.body, dataKey, span);
    const info = await plainEtags.shown(plain(stored), modeOf(stored.metadata), options.signal);
    return getResult(info, body, options.range ? want : undefined);
  }

  /** GET of an SSE-C object assembled from its parts (sse/assembled.ts), begun with `first` or not. */
  async function getAssembled(
    key: string,
    stored: ObjectInfo,
    first: GetResult | undefined,
    options: GetOptions,
  ): Promise<GetResult> {
    const info = plain(stored);
    let want: { start: number; end: number } | undefined;
    try {
      if (!scope.readKey) throw keyNeeded(key);
      if (options.range) want = resolveRange(options.range, info.size, key);
    } catch (err) {
      await first?.body.cancel().catch(() => {});
      throw err;
    }
    const body = await openAssembled(port, stored, first, want, scope.readKey, options.signal);
    announceCustomer();
    return getResult(info, body, want);
  }

  function announceCustomer() {
    scope.res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    scope.res.setHeader('x-amz-server-side-encryption-customer-key-md5', scope.readKey!.md5);
  }

  type Writer = (key: string, body: Body, options: PutOptions) => Promise<PutResult>;
  const plainPut: Writer = (key, body, options) => port.put(key, body, options);

  async function put(key: string, body: Body, options: PutOptions = {}, writer: Writer = plainPut) {
    const previous = isData(key) ? await sealedEtagOf(port, key, options.signal) : undefined;
    const result = await seal(key, body, options, writer);
    // a sealed write has a fresh data key, so the new stored ETag is never the one whose record goes
    if (previous) await dropPlainEtag(port, previous, options.signal);
    return result;
  }

  async function seal(key: string, body: Body, options: PutOptions, writer: Writer) {
    // the default covers object data (the object, its parts), not the gateway's own records
    const data = isData(key);
    if (scope.preSealed && data) {
      // an SSE-C object assembled from sealed parts: its body and metadata are already what is stored
      await markSealed(port);
      const result = await writer(key, body, { ...options, etag: 'any' });
      return { etag: result.etag, size: assembledSize(options.metadata ?? {}) };
    }
    const write = scope.write ?? (data ? await byDefault?.() : undefined);
    if (!write) return writer(key, body, options);
    const dataKey = newDataKey();
    let kek: CryptoKey;
    let id = '';
    if (write.mode === 'SSE-C') {
      if (!scope.secure && !scope.keyring.customerKeysOverHttp) {
        throw s3Error(
          'InvalidRequest',
          400,
          'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.',
        );
      }
      kek = await importWrappingKey(write.key.raw);
    } else {
      id = write.mode === 'aws:kms' && write.keyId ? kmsKeyId(write.keyId) : scope.keyring.active();
      const found = await scope.keyring.get(id);
      if (!found)
        throw s3Error('KMS.NotFoundException', 400, `Invalid keyId ${id}: the gateway has no such key`);
      kek = found;
    }
    const metadata: Metadata = {
      ...(options.metadata ?? {}),
      [SSE_META]: write.mode,
      [WRAPPED_META]: await wrapKey(kek, dataKey, wrapContext(key, write.mode)),
      ...(id ? { [KEY_ID_META]: id } : {}),
    };
    await markSealed(port);
    // SSE-S3 objects and parts show the MD5 of their plaintext as ETag, as S3's do
    const md5 = write.mode === 'AES256' && data && !metadata[ETAG_META];
    const plaintext = md5 ? hashed(chunksOf(body)) : undefined;
    const sealed = sealChunks(plaintext?.chunks ?? chunksOf(body), await importDataKey(dataKey));
    const result = await writer(key, sealed, { ...options, metadata, etag: 'any' });
    const etag = plaintext
      ? await keepPlainEtag(port, result.etag, plaintext.digest(), options.signal)
      : result.etag;
    if (write.mode === 'SSE-C') {
      scope.res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
      scope.res.setHeader('x-amz-server-side-encryption-customer-key-md5', write.key.md5);
    } else announce(write.mode, id);
    return { etag, size: openedSize(result.size) };
  }

  const multipart = port.multipart;
  const putMirrored = port.putMirrored?.bind(port);
  return {
    name: port.name,
    capabilities: (options) => port.capabilities(options),
    head,
    get,
    put: (key, body, options) => put(key, body, options),
    ...(putMirrored
      ? {
          putMirrored: (key, mirror, body, options) =>
            put(key, body, options, (k, b, o) => putMirrored(k, mirror, b, o)),
        }
      : {}),
    list: (options) =>
      plaintextListing(port, options, async (info) => {
        const mode = modeOf(info.metadata);
        if (!mode) return undefined;
        const shown = await plainEtags.shown(plain(info), mode, options?.signal);
        return { ...shown, etag: shown.metadata[ETAG_META] ?? shown.etag };
      }),
    async delete(key, options) {
      const gone = isData(key) ? await sealedEtagOf(port, key, options?.signal) : undefined;
      await port.delete(key, options);
      if (gone) await dropPlainEtag(port, gone, options?.signal);
    },
    async deleteMany(keys, options) {
      const all: string[] = [];
      for await (const key of keys) all.push(key);
      const gone: string[] = [];
      for (const key of all.filter(isData)) {
        const etag = await sealedEtagOf(port, key, options?.signal);
        if (etag) gone.push(etag);
      }
      const result = await port.deleteMany(all, options);
      for (const etag of gone) await dropPlainEtag(port, etag, options?.signal);
      return result;
    },
    async copy(source, destination, options) {
      if (modeOf((await port.head(source, options)).metadata)) throw notCopied();
      return port.copy(source, destination, options);
    },
    ...(multipart
      ? {
          multipart: {
            async create(key, options) {
              // the backend's own multipart upload would store the parts as sent
              if (scope.write ?? (await byDefault?.())) throw notCopied();
              return multipart.create(key, options);
            },
            uploadPart: (key, id, n, body, options) => multipart.uploadPart(key, id, n, body, options),
            async uploadPartCopy(key, id, n, source, options) {
              if (modeOf((await port.head(source.key, options)).metadata)) throw notCopied();
              return multipart.uploadPartCopy(key, id, n, source, options);
            },
            complete: (key, id, parts, options) => multipart.complete(key, id, parts, options),
            abort: (key, id, options) => multipart.abort(key, id, options),
          },
        }
      : {}),
  };
}

// a server-side copy would carry ciphertext into an object that does not say it is encrypted
const notCopied = () =>
  s3Error(
    'NotImplemented',
    501,
    "encrypted multipart uploads, and part copies from encrypted objects, over this backend's own multipart API are not implemented by the gateway",
  );
