/**
 * The read a GET through the SSE view starts with. A sealed object's metadata (its wrapped data key)
 * and its sealed size arrive with any read of it, and the chunks covering a plaintext range lie at
 * offsets the range alone gives (the chunk size and layout are fixed). So a ranged GET in a bucket
 * holding sealed objects asks for those chunks at once: for a sealed object that one read is all;
 * a plain object is cut from it when it covers the range, else read again from the same version.
 */
import { BucketkitError } from '../../errors.js';
import {
  type ByteRange,
  chunksOf,
  type GetOptions,
  type GetResult,
  getResult,
  resolveRange,
  type StoragePort,
  sealedRequest,
  sliced,
  streamFrom,
} from '../../storage/index.js';
import { hasSealed } from './listing.js';

/** The first read of `key`, and the stored range it asked for (undefined: the whole object). */
export interface FirstRead {
  stored: GetResult;
  fetched: ByteRange | undefined;
}

/**
 * Reads `key` as a GET through the SSE view begins: a ranged read of an object that may be sealed
 * (`sealed`: what this request's HEAD saw of it; unknown: whether the bucket holds sealed objects)
 * fetches the sealed chunks covering the range (`sealedRequest`), anything else what was asked.
 *
 * @example
 * ```ts
 * const first = await firstRead(port, key, { range: { start: 100, end: 199 } });
 * ```
 */
export async function firstRead(
  port: StoragePort,
  key: string,
  options: GetOptions,
  sealed?: boolean,
): Promise<FirstRead> {
  if (!options.range || !(sealed ?? (await hasSealed(port)))) {
    return { stored: await port.get(key, options), fetched: options.range };
  }
  const fetched = sealedRequest(options.range, key);
  try {
    return { stored: await port.get(key, { ...options, range: fetched }), fetched };
  } catch (err) {
    // past the stored end of a sealed object is past its plaintext too, but a plain object's range
    // may start before its end: ask for the plaintext range, which tells both apart
    if (!BucketkitError.is(err, 'InvalidRange')) throw err;
    return { stored: await port.get(key, options), fetched: options.range };
  }
}

/**
 * A plain object's answer from its first read: as read when that asked for the plaintext range; cut
 * from the sealed chunks' span when it covers the range; else read again, from the same version only.
 *
 * @example
 * ```ts
 * if (!isSealed(first.stored)) return plainAnswer(port, key, first, options);
 * ```
 */
export async function plainAnswer(
  port: StoragePort,
  key: string,
  first: FirstRead,
  options: GetOptions,
): Promise<GetResult> {
  const { stored, fetched } = first;
  if (!options.range || fetched === options.range) return stored;
  let want: { start: number; end: number };
  try {
    want = resolveRange(options.range, stored.size, key);
  } catch (err) {
    await stored.body.cancel().catch(() => {});
    throw err;
  }
  const got = stored.range;
  if (got && got.start <= want.start && got.end >= want.end) {
    const body = sliced(chunksOf(stored.body), want.start - got.start, want.end - want.start + 1);
    return getResult(stored, streamFrom(body), want);
  }
  await stored.body.cancel().catch(() => {});
  return port.get(key, { ...options, ifMatch: stored.etag });
}
