/**
 * The sealed-chunk format behind encryption at rest: a body is cut into 64 KiB chunks, each sealed with
 * AES-256-GCM under a data key used for one object only. Chunk `i`'s 96-bit nonce is `i` (big-endian,
 * bytes 3..10) and a last-chunk flag (byte 11), so chunks cannot be reordered, dropped or the object
 * truncated without the read failing (the STREAM construction). Nothing else is stored with the bytes:
 * the sizes map one to one, and a ranged read fetches and opens only the chunks it covers.
 */
import { bkError } from '../../errors.js';

/** Plaintext bytes per chunk. */
export const CHUNK = 64 * 1024;
/** The GCM tag each chunk adds. */
export const TAG = 16;
const SEALED = CHUNK + TAG;

const subtle = () => globalThis.crypto.subtle;

/** An AES-256-GCM key for sealing chunks, from 32 raw bytes. */
export function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== 32) throw bkError('InvalidArgument', 'an AES-256 key has 32 bytes');
  return subtle().importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function nonce(index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(12);
  new DataView(bytes.buffer).setBigUint64(3, BigInt(index));
  bytes[11] = last ? 1 : 0;
  return bytes;
}

/** The stored size of a plaintext of `size` bytes (every object has at least one chunk). */
export function sealedSize(size: number): number {
  return size + TAG * Math.max(1, Math.ceil(size / CHUNK));
}

/** The plaintext size of a sealed body of `size` bytes. */
export function openedSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / SEALED));
  return size - TAG * chunks;
}

/**
 * Seals a body chunk by chunk as it streams. A chunk is sealed once the next byte is known to exist,
 * so the last chunk (which may be full or empty) carries the last-chunk flag.
 *
 * @example
 * ```ts
 * await port.put(key, sealChunks(chunksOf(body), await importDataKey(dataKey)));
 * ```
 */
export async function* sealChunks(
  source: AsyncIterable<Uint8Array>,
  key: CryptoKey,
): AsyncGenerator<Uint8Array> {
  const pending = new Uint8Array(CHUNK);
  let filled = 0;
  let index = 0;
  const seal = async (last: boolean) => {
    const sealed = await subtle().encrypt(
      { name: 'AES-GCM', iv: nonce(index++, last) },
      key,
      pending.subarray(0, filled),
    );
    filled = 0;
    return new Uint8Array(sealed);
  };
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      // a full chunk is sealed only when more bytes follow: the last one must carry the flag
      if (filled === CHUNK) yield await seal(false);
      const take = Math.min(CHUNK - filled, chunk.byteLength - offset);
      pending.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
  }
  yield await seal(true);
}

/** Where the sealed chunks covering plaintext bytes `start..end` (inclusive) lie in the stored body. */
export function sealedRange(
  start: number,
  end: number,
  size: number,
): { start: number; end: number; first: number; through: number } {
  const first = Math.floor(start / CHUNK);
  const through = Math.floor(end / CHUNK);
  return {
    start: first * SEALED,
    end: Math.min((through + 1) * SEALED, sealedSize(size)) - 1,
    first,
    through,
  };
}

const damaged = (what: string) =>
  bkError(
    'Corrupt',
    `${what}: a sealed chunk failed authentication (wrong key, or the stored bytes changed)`,
  );

/**
 * Opens sealed chunks `first..through` read from the stored body, yielding the plaintext bytes `skip`
 * onwards (the caller slices the end). `size` is the plaintext size of the whole object; `name` names it
 * in errors.
 *
 * @example
 * ```ts
 * const range = sealedRange(100, 199, size);
 * const plain = openChunks(stored, key, { ...range, skip: 100 - range.first * CHUNK, size, name: key });
 * ```
 */
export async function* openChunks(
  source: AsyncIterable<Uint8Array>,
  key: CryptoKey,
  at: { first: number; through: number; skip: number; size: number; name: string },
): AsyncGenerator<Uint8Array> {
  const lastIndex = Math.max(0, Math.ceil(at.size / CHUNK) - 1);
  const pending = new Uint8Array(SEALED);
  let filled = 0;
  let index = at.first;
  let skip = at.skip;
  const open = async () => {
    let plain: ArrayBuffer;
    try {
      plain = await subtle().decrypt(
        { name: 'AES-GCM', iv: nonce(index, index === lastIndex) },
        key,
        pending.subarray(0, filled),
      );
    } catch {
      throw damaged(at.name);
    }
    index++;
    filled = 0;
    const bytes = new Uint8Array(plain).subarray(skip);
    skip = 0;
    return bytes;
  };
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(SEALED - filled, chunk.byteLength - offset);
      pending.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === SEALED) yield await open();
    }
  }
  if (filled > 0) yield await open();
  // a body cut at a chunk boundary opens cleanly up to the cut: count the chunks
  if (index !== at.through + 1) throw damaged(at.name);
}
