import type { ListEntry, ListedObject, StoragePort } from '../storage/index.js';
import { RESERVED_PREFIX, type RequestContext, type ServedBucket } from './context.js';
import { quoted, sendXml } from './http.js';
import { ownerElement } from './identity/index.js';
import { s3Error } from './s3-errors.js';
import { VERSIONS_PREFIX } from './versioning/layout.js';
import { toXml, type XmlNode } from './xml.js';

/** One page of a listing: objects and common prefixes in key order, and whether more follow. */
interface Page {
  objects: ListedObject[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or prefix on the page: where the next page starts after. */
  last: string | undefined;
}

/** A listing left open after a truncated page, so the next page continues it instead of re-listing. */
interface Cursor {
  iterator: AsyncIterator<ListEntry>;
  pending: ListEntry;
  timer: NodeJS.Timeout;
}

const CURSOR_TTL_MS = 60_000;
const MAX_CURSORS = 64;
const cursors = new WeakMap<StoragePort, Map<string, Cursor>>();

function takeCursor(port: StoragePort, id: string): Cursor | undefined {
  const open = cursors.get(port);
  const cursor = open?.get(id);
  if (cursor) {
    open!.delete(id);
    clearTimeout(cursor.timer);
  }
  return cursor;
}

function keepCursor(
  port: StoragePort,
  id: string,
  iterator: AsyncIterator<ListEntry>,
  pending: ListEntry,
): void {
  let open = cursors.get(port);
  if (!open) {
    open = new Map();
    cursors.set(port, open);
  }
  const close = () => {
    if (open.get(id)?.iterator === iterator) open.delete(id);
    void iterator.return?.();
  };
  if (open.size >= MAX_CURSORS) {
    const [oldest] = open.keys();
    const evicted = takeCursor(port, oldest!);
    void evicted?.iterator.return?.();
  }
  takeCursor(port, id)?.iterator.return?.();
  open.set(id, { iterator, pending, timer: setTimeout(close, CURSOR_TTL_MS).unref() });
}

/**
 * A listing position after every key that starts with `prefix` (every stored key is below U+10FFFF).
 *
 * @example
 * ```ts
 * port.list({ startAfter: past('.bucketkit-gateway/') });
 * ```
 */
export const past = (prefix: string): string => `${prefix}\u{10FFFF}`;

/**
 * Whether any key under `prefix` is a client's, not the gateway's own: the first key listed under it,
 * else the first past the reserved keys (two list calls at most, made only for such a prefix).
 *
 * @example
 * ```ts
 * await holdsClientKey(port, '.'); // true once a client stored ".profile"
 * ```
 */
async function holdsClientKey(port: StoragePort, prefix: string): Promise<boolean> {
  const first = async (startAfter?: string) => {
    for await (const entry of port.list({ prefix, ...(startAfter ? { startAfter } : {}) })) {
      return entry.type === 'object' ? entry.key : entry.prefix;
    }
    return undefined;
  };
  const head = await first();
  if (head === undefined) return false;
  if (!head.startsWith(RESERVED_PREFIX)) return true;
  return (await first(past(RESERVED_PREFIX))) !== undefined;
}

/**
 * Reads one page from a port's listing, starting after `after` (a key, or a common prefix already
 * returned, whose keys are then skipped) and hiding the gateway's own keys. A truncated page keeps its
 * listing open for a minute, keyed by where the next page starts, so paging through a large bucket
 * lists it once rather than once per page.
 *
 * @example
 * ```ts
 * const page = await listPage(port, { prefix: 'a/', delimiter: '/', maxKeys: 1000 });
 * ```
 */
export async function listPage(
  port: StoragePort,
  options: { prefix: string; delimiter: string; after: string; maxKeys: number; signal?: AbortSignal },
): Promise<Page> {
  const page: Page = { objects: [], prefixes: [], truncated: false, last: undefined };
  const { prefix, delimiter, after, maxKeys } = options;
  // S3 answers max-keys=0 with an empty page that is not truncated
  if (maxKeys === 0) return page;
  const cursorId = (from: string) => JSON.stringify([prefix, delimiter, from]);
  const resumed = after ? takeCursor(port, cursorId(after)) : undefined;
  const open = (from: string) =>
    port
      .list({
        ...(prefix ? { prefix } : {}),
        ...(delimiter ? { delimiter } : {}),
        ...(from ? { startAfter: from } : {}),
      })
      [Symbol.asyncIterator]();
  let iterator = resumed?.iterator ?? open(after);
  let pending = resumed?.pending;
  let kept = false;
  try {
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      let entry: ListEntry;
      if (pending) {
        entry = pending;
        pending = undefined;
      } else {
        const next = await iterator.next();
        if (next.done) break;
        entry = next.value;
      }
      const name = entry.type === 'object' ? entry.key : entry.prefix;
      if (name.startsWith(RESERVED_PREFIX)) {
        // the gateway's own objects are no keys; a versioned bucket holds thousands of versions there:
        // list on past all of them at once (one more listing call instead of a walk through them)
        if (entry.type === 'object' && name.startsWith(VERSIONS_PREFIX)) {
          await iterator.return?.();
          iterator = open(past(RESERVED_PREFIX));
        }
        continue;
      }
      if (entry.type === 'prefix' && after && after.startsWith(entry.prefix)) continue;
      // a delimiter inside ".bucketkit-gateway/" (".", "a", ...) cuts a prefix the gateway's own keys share
      if (entry.type === 'prefix' && RESERVED_PREFIX.startsWith(entry.prefix)) {
        if (!(await holdsClientKey(port, entry.prefix))) continue;
      }
      if (page.objects.length + page.prefixes.length >= maxKeys) {
        page.truncated = true;
        if (page.last !== undefined) {
          keepCursor(port, cursorId(page.last), iterator, entry);
          kept = true;
        }
        break;
      }
      if (entry.type === 'object') page.objects.push(entry);
      else page.prefixes.push(entry.prefix);
      page.last = name;
    }
  } finally {
    if (!kept) await iterator.return?.();
  }
  return page;
}

/** `max-keys`: 0 to 1000 (larger values are capped, as S3 does). */
export function maxKeys(ctx: RequestContext, name = 'max-keys'): number {
  const raw = ctx.target.query.get(name);
  if (raw === undefined || raw === '') return 1000;
  if (!/^\d+$/.test(raw)) throw s3Error('InvalidArgument', 400, `${name} must be a non-negative integer`);
  return Math.min(Number(raw), 1000);
}

const TOKEN_TAG = 'bk1:';

function encodeToken(after: string): string {
  return Buffer.from(TOKEN_TAG + after, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]+$/.test(token) || !text.startsWith(TOKEN_TAG)) {
    throw s3Error('InvalidArgument', 400, 'The continuation token provided is incorrect');
  }
  return text.slice(TOKEN_TAG.length);
}

/** With `encoding-type=url`, names are %-encoded in the response (so keys with control characters survive XML). */
function encoder(ctx: RequestContext): (text: string) => string {
  const type = ctx.target.query.get('encoding-type');
  if (type === undefined) return (text) => text;
  if (type !== 'url') throw s3Error('InvalidArgument', 400, 'encoding-type must be "url"');
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}

function contents(objects: ListedObject[], encode: (t: string) => string, owner?: XmlNode): XmlNode[] {
  return objects.map((o) => ({
    Key: encode(o.key),
    LastModified: o.lastModified,
    ETag: quoted(o.etag),
    Size: o.size,
    ...(owner ? { Owner: owner } : {}),
    StorageClass: 'STANDARD',
  }));
}

/** ListObjects (V1) and ListObjectsV2, with every parameter S3 documents. */
export async function listObjects(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const q = ctx.target.query;
  const v2 = q.get('list-type') === '2';
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const limit = maxKeys(ctx);
  const encode = encoder(ctx);
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  const marker = q.get('marker') ?? '';
  // an empty continuation-token is no token
  const after = v2 ? (token ? decodeToken(token) : startAfter) : marker;
  const page = await listPage(bucket.port, { prefix, delimiter, after, maxKeys: limit, signal: ctx.signal });
  const owner = ownerElement(ctx.users, ctx.owner);
  const encodingType = q.has('encoding-type') ? 'url' : undefined;
  const common = page.prefixes.map((p) => ({ Prefix: encode(p) }));
  const next = page.truncated && page.last !== undefined ? page.last : undefined;
  const body: XmlNode = v2
    ? {
        Name: bucket.name,
        Prefix: encode(prefix),
        ...(token !== undefined ? { ContinuationToken: token } : {}),
        ...(next !== undefined ? { NextContinuationToken: encodeToken(next) } : {}),
        ...(startAfter ? { StartAfter: encode(startAfter) } : {}),
        KeyCount: page.objects.length + page.prefixes.length,
        MaxKeys: limit,
        ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
        EncodingType: encodingType,
        IsTruncated: page.truncated,
        Contents: contents(page.objects, encode, q.get('fetch-owner') === 'true' ? owner : undefined),
        CommonPrefixes: common,
      }
    : {
        Name: bucket.name,
        Prefix: encode(prefix),
        Marker: encode(marker),
        ...(next !== undefined ? { NextMarker: encode(next) } : {}),
        MaxKeys: limit,
        ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
        EncodingType: encodingType,
        IsTruncated: page.truncated,
        Contents: contents(page.objects, encode, owner),
        CommonPrefixes: common,
      };
  sendXml(ctx.res, toXml('ListBucketResult', body));
}
