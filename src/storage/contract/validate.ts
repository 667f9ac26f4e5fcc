import { bkError } from '../../errors.js';
import type { Metadata } from './port.js';

/** S3's limit on user metadata: the UTF-8 bytes of every key and value added up. */
export const METADATA_LIMIT_BYTES = 2048;
export const MAX_KEY_BYTES = 1024;

const encoder = new TextEncoder();
// a leading "_" is fine for S3 (s3db.js keeps `_v`, `_map` there), so buckets it wrote can be copied anywhere
const METADATA_KEY = /^[a-z0-9_][a-z0-9._-]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The UTF-8 length of a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * Checks a key against S3's rules: 1 to 1024 bytes of valid UTF-8. Anything else is ordinary.
 *
 * @example
 * ```ts
 * assertValidKey('a/../b'); // fine: `..` is an ordinary character sequence
 * ```
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw bkError('InvalidKey', 'a key must be a non-empty string', { details: { key } });
  }
  if (LONE_SURROGATE.test(key)) {
    throw bkError('InvalidKey', 'the key is not valid UTF-8 (it holds a lone surrogate)', {
      details: { key },
    });
  }
  // a UTF-16 unit is at most 3 UTF-8 bytes: short keys need no encoding to be known short enough
  const bytes = key.length * 3 <= MAX_KEY_BYTES ? 0 : utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    throw bkError('InvalidKey', `the key is ${bytes} bytes of UTF-8; S3 keys are at most ${MAX_KEY_BYTES}`, {
      details: { key: key.slice(0, 64) },
    });
  }
}

/**
 * Checks user metadata the way S3 does, so that `memory` behaves as AWS does: lowercase keys (S3
 * lowercases them silently, which corrupts case-sensitive data, so we refuse instead), printable ASCII
 * values, and at most 2 KiB of keys plus values.
 *
 * @example
 * ```ts
 * assertValidMetadata({ owner: 'ada' });
 * ```
 */
export function assertValidMetadata(metadata: Metadata | undefined): void {
  if (!metadata) return;
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(name)) {
      throw bkError(
        'InvalidMetadata',
        `metadata key "${name}" must be lowercase ASCII letters, digits, ".", "_" or "-" (S3 lowercases keys)`,
        { details: { name } },
      );
    }
    if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
      throw bkError(
        'InvalidMetadata',
        `metadata value of "${name}" must be a printable ASCII string; encode other text (e.g. encodeURIComponent)`,
        { details: { name } },
      );
    }
    total += name.length + value.length;
  }
  if (total > METADATA_LIMIT_BYTES) {
    throw bkError(
      'MetadataTooLarge',
      `user metadata is ${total} bytes; S3 allows ${METADATA_LIMIT_BYTES} (keys plus values). Move large values into the body`,
      { details: { size: total } },
    );
  }
}

/** Checks a range and resolves it against the object size; `start` past the end is `InvalidRange`. */
export function resolveRange(
  range: { start: number; end?: number },
  size: number,
  key: string,
): { start: number; end: number } {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw bkError(
      'InvalidArgument',
      `invalid range ${start}-${end ?? ''}: want 0 <= start <= end (inclusive)`,
      {
        details: { key },
      },
    );
  }
  if (start >= size) {
    throw bkError('InvalidRange', `range starts at byte ${start} but the object has ${size} bytes`, {
      details: { key, size },
    });
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/**
 * Strips the quotes some servers put around ETags, and a weak `W/` mark (one leading quote, one
 * trailing quote; a listing calls this per key, so no regular expressions).
 *
 * @example
 * ```ts
 * normalizeEtag('W/"abc"'); // 'abc'
 * ```
 */
export function normalizeEtag(etag: string | undefined): string {
  if (!etag) return '';
  const from = etag.startsWith('W/') ? 2 : 0;
  const start = etag.charCodeAt(from) === 0x22 ? from + 1 : from;
  const end =
    etag.length > start && etag.charCodeAt(etag.length - 1) === 0x22 ? etag.length - 1 : etag.length;
  return etag.slice(start, end);
}

/**
 * Checks `ifNoneMatch` / `ifMatch` against the current ETag (undefined: no object), for ports that
 * enforce conditions themselves.
 *
 * @example
 * ```ts
 * checkPreconditions(key, current?.etag, options); // throws PreconditionFailed on a lost race
 * ```
 */
export function checkPreconditions(
  key: string,
  currentEtag: string | undefined,
  conditions: { ifNoneMatch?: '*'; ifMatch?: string },
): void {
  if (conditions.ifNoneMatch === '*' && currentEtag !== undefined) {
    throw bkError('PreconditionFailed', `"${key}" already exists (ifNoneMatch: '*')`, { details: { key } });
  }
  if (conditions.ifMatch !== undefined && currentEtag !== conditions.ifMatch) {
    throw bkError('PreconditionFailed', `"${key}" does not have ETag ${conditions.ifMatch}`, {
      details: { key },
    });
  }
}

/**
 * `deleteMany` for ports without a batch call: deletes one key at a time.
 *
 * @example
 * ```ts
 * deleteMany = (keys, o) => deleteEach((k) => this.delete(k, o), keys);
 * ```
 */
export async function deleteEach(
  remove: (key: string) => Promise<void>,
  keys: Iterable<string> | AsyncIterable<string>,
): Promise<{ deleted: number }> {
  let deleted = 0;
  for await (const key of keys) {
    await remove(key);
    deleted++;
  }
  return { deleted };
}
