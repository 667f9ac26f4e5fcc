import { randomBytes } from 'node:crypto';
import { BucketkitError } from '../../errors.js';
import type { Metadata, StoragePort } from '../../storage/index.js';
import { RESERVED_PREFIX } from '../context.js';
import { HIDDEN_PREFIX } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childrenNamed, childText, parseXml } from '../xml.js';

/** One tag: a key and a value. */
export interface Tag {
  key: string;
  value: string;
}

/** Hidden metadata key holding an object's tag set (inline, or a count and a sidecar id). */
export const TAGS_META = `${HIDDEN_PREFIX}tags`;
/** Tag sets too large for metadata (2 KiB in all) live in an object under this prefix. */
const SIDECAR_PREFIX = `${RESERVED_PREFIX}tags/`;
/** Encoded tag sets up to this length stay inline. */
const INLINE_LIMIT = 768;

const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const length = (text: string) => [...text].length;
const invalid = (message: string) => s3Error('InvalidTag', 400, message);

/**
 * Checks a tag set as S3 does: at most `max` tags (10 on an object, 50 on a bucket), keys of 1 to 128
 * characters and values up to 256, unique keys, S3's character set, no `aws:` prefix.
 *
 * @example
 * ```ts
 * assertValidTags([{ key: 'team', value: 'ml' }], 10);
 * ```
 */
export function assertValidTags(tags: readonly Tag[], max: number): void {
  if (tags.length > max) throw invalid(`Object tags cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (length(key) < 1 || length(key) > 128) throw invalid('The TagKey you have provided is invalid');
    if (length(value) > 256) throw invalid('The TagValue you have provided is invalid');
    if (!ALLOWED.test(key) || !ALLOWED.test(value)) {
      throw invalid('The TagKey or TagValue you have provided holds characters S3 does not allow');
    }
    if (key.toLowerCase().startsWith('aws:')) throw invalid('Your TagKey cannot be prefixed with aws:');
    if (seen.has(key)) throw invalid('Cannot provide multiple Tags with the same key');
    seen.add(key);
  }
}

/**
 * The tag set of an `x-amz-tagging` header (URL query encoding, `+` a space), checked.
 *
 * @example
 * ```ts
 * tagsFromHeader('team=ml&tier=hot'); // [{ key: 'team', value: 'ml' }, { key: 'tier', value: 'hot' }]
 * ```
 */
export function tagsFromHeader(value: string): Tag[] {
  const tags = [...new URLSearchParams(value)].map(([key, v]) => ({ key, value: v }));
  assertValidTags(tags, 10);
  return tags;
}

/** The tag set of a `Tagging` request document, checked against `max`. */
export function tagsFromXml(xml: string, max: number): Tag[] {
  const root = parseXml(xml);
  const set = childrenNamed(root, 'TagSet')[0];
  if (root.name !== 'Tagging' || !set)
    throw s3Error('MalformedXML', 400, 'the body must be a Tagging document with a TagSet');
  const tags = childrenNamed(set, 'Tag').map((tag) => {
    const key = childText(tag, 'Key');
    if (key === undefined) throw s3Error('MalformedXML', 400, 'every Tag needs a Key');
    return { key, value: childText(tag, 'Value') ?? '' };
  });
  assertValidTags(tags, max);
  return tags;
}

const encode = (tags: readonly Tag[]) =>
  tags.map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`).join('&');

function decode(text: string): Tag[] {
  if (!text) return [];
  return text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return { key: decodeURIComponent(pair.slice(0, eq)), value: decodeURIComponent(pair.slice(eq + 1)) };
  });
}

/**
 * The metadata entry that records `tags` with an object: inline when small, else written to a sidecar
 * object first (named by a random id, so an object never points at another write's tags).
 *
 * @example
 * ```ts
 * const metadata = { ...user, ...(await tagsMetadata(port, tags)) };
 * ```
 */
export async function tagsMetadata(
  port: StoragePort,
  tags: readonly Tag[],
  signal?: AbortSignal,
): Promise<Metadata> {
  if (tags.length === 0) return {};
  const text = encode(tags);
  if (text.length <= INLINE_LIMIT) return { [TAGS_META]: text };
  const id = randomBytes(12).toString('hex');
  await port.put(`${SIDECAR_PREFIX}${id}`, text, { ...(signal ? { signal } : {}) });
  return { [TAGS_META]: `@${tags.length}:${id}` };
}

/** How many tags an object has, from its metadata alone (for `x-amz-tagging-count`). */
export function tagCount(metadata: Metadata): number {
  const text = metadata[TAGS_META];
  if (!text) return 0;
  if (text.startsWith('@')) return Number(text.slice(1, text.indexOf(':'))) || 0;
  return text.split('&').length;
}

/**
 * An object's tag set (reading the sidecar when it has one).
 *
 * @example
 * ```ts
 * const tags = await readTags(port, (await port.head(key)).metadata);
 * ```
 */
export async function readTags(port: StoragePort, metadata: Metadata, signal?: AbortSignal): Promise<Tag[]> {
  const text = metadata[TAGS_META];
  if (!text) return [];
  if (!text.startsWith('@')) return decode(text);
  const id = text.slice(text.indexOf(':') + 1);
  try {
    return decode(await (await port.get(`${SIDECAR_PREFIX}${id}`, { ...(signal ? { signal } : {}) })).text());
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return [];
    throw err;
  }
}

/** Metadata without the tag entry. */
export function withoutTags(metadata: Metadata): Metadata {
  const { [TAGS_META]: _, ...rest } = metadata;
  return rest;
}
