/**
 * The plaintext MD5 of SSE-S3 objects, shown as their ETag as S3 shows it. It is known only once the
 * body has streamed, after the object's metadata was written, so it is kept in a small record beside
 * the object, named by the stored (ciphertext) ETag: a later write of the key has another ETag and
 * never shows a stale MD5. HEAD and GET of an SSE-S3 object read that record (one small read, once
 * per request).
 */
import { createHash } from 'node:crypto';
import { BucketkitError } from '../../errors.js';
import type { Metadata, ObjectInfo, StoragePort } from '../../storage/index.js';
import { headOrUndefined, RESERVED_PREFIX } from '../context.js';
import { ETAG_META } from '../http.js';
import { hasSealed } from './listing.js';

const PREFIX = `${RESERVED_PREFIX}sse-etags/`;

/**
 * The chunks of a body, hashed with MD5 as they pass; `digest()` once they are all read.
 *
 * @example
 * ```ts
 * const plaintext = hashed(chunks);
 * await port.put(key, seal(plaintext.chunks));
 * plaintext.digest(); // hex MD5
 * ```
 */
export function hashed(chunks: AsyncIterable<Uint8Array>): {
  chunks: AsyncIterable<Uint8Array>;
  digest(): string;
} {
  const md5 = createHash('md5');
  let digest: string | undefined;
  async function* pass() {
    for await (const chunk of chunks) {
      md5.update(chunk);
      yield chunk;
    }
    digest = md5.digest('hex');
  }
  return {
    chunks: pass(),
    digest: () => {
      if (digest === undefined) throw new Error('the body was not read to its end');
      return digest;
    },
  };
}

/** Records an SSE-S3 object's plaintext MD5 under its stored ETag; returns the MD5. */
export async function keepPlainEtag(
  port: StoragePort,
  storedEtag: string,
  md5: string,
  signal?: AbortSignal,
): Promise<string> {
  await port.put(`${PREFIX}${storedEtag}`, md5, { ...(signal ? { signal } : {}) });
  return md5;
}

/** Shows SSE-S3 objects with their plaintext MD5 as ETag; see `plainEtagReader`. */
export interface PlainEtagReader {
  shown<T extends ObjectInfo>(info: T, mode: string | undefined, signal?: AbortSignal): Promise<T>;
}

/**
 * Shows an SSE-S3 object's info with its plaintext MD5 as the ETag clients see (`bucketkit.etag`),
 * when one was recorded; other objects, and those whose metadata has it already, as they are. A
 * record is read once per reader (one request's view): it is named by the stored ETag, so what it
 * holds never changes.
 *
 * @example
 * ```ts
 * const etags = plainEtagReader(port);
 * const info = await etags.shown(plain(stored), 'AES256');
 * ```
 */
export function plainEtagReader(port: StoragePort): PlainEtagReader {
  const read = new Map<string, Promise<string | undefined>>();
  async function record(storedEtag: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return await (await port.get(`${PREFIX}${storedEtag}`, { ...(signal ? { signal } : {}) })).text();
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  }
  return {
    async shown(info, mode, signal) {
      if (mode !== 'AES256' || info.metadata[ETAG_META] !== undefined) return info;
      let md5 = read.get(info.etag);
      if (!md5) {
        md5 = record(info.etag, signal);
        read.set(info.etag, md5);
        md5.catch(() => read.delete(info.etag));
      }
      const found = await md5;
      if (found === undefined) return info;
      const metadata: Metadata = { ...info.metadata, [ETAG_META]: found };
      return { ...info, metadata };
    },
  };
}

/**
 * Forgets the plaintext MD5 of an SSE-S3 object that is gone (deleted, or overwritten by a write with
 * another stored ETag): its record would otherwise stay forever.
 *
 * @example
 * ```ts
 * await dropPlainEtag(port, previous.etag);
 * ```
 */
export async function dropPlainEtag(
  port: StoragePort,
  storedEtag: string,
  signal?: AbortSignal,
): Promise<void> {
  await port.delete(`${PREFIX}${storedEtag}`, { ...(signal ? { signal } : {}) });
}

/**
 * The stored ETag of the SSE-S3 object at `key` whose plaintext-MD5 record must go once the key is
 * deleted or overwritten (none in a bucket that never held a sealed object: no HEAD is spent there).
 *
 * @example
 * ```ts
 * const previous = await sealedEtagOf(port, key);
 * ```
 */
export async function sealedEtagOf(
  port: StoragePort,
  key: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (!(await hasSealed(port))) return undefined;
  const info = await headOrUndefined(port, key, signal);
  const sealedS3 = info?.metadata['bucketkit.sse'] === 'AES256' && info.metadata[ETAG_META] === undefined;
  return sealedS3 ? info.etag : undefined;
}

/**
 * Deletes `key` from the bucket's own port (not a request's encrypted view) and the plaintext-MD5
 * record of the SSE-S3 object it held: what lifecycle expiry and aborted uploads use.
 *
 * @example
 * ```ts
 * await deleteSwept(bucket.base, 'logs/old.txt');
 * ```
 */
export async function deleteSwept(port: StoragePort, key: string, signal?: AbortSignal): Promise<void> {
  const etag = await sealedEtagOf(port, key, signal);
  await port.delete(key, { ...(signal ? { signal } : {}) });
  if (etag) await dropPlainEtag(port, etag, signal);
}
