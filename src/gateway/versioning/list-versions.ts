/**
 * ListObjectVersions over the version store: the keys' version folders and the plain keys (objects
 * written before versioning, which are their key's null version) walked together in key order, newest
 * version first within a key, with S3's prefix, delimiter, key and version-id markers and max-keys.
 */
import { compareUtf8, type ListedObject, type StoragePort } from '../../storage/index.js';
import { RESERVED_PREFIX, type RequestContext, type ServedBucket } from '../context.js';
import { quoted, sendXml } from '../http.js';
import { ownerElement } from '../identity/index.js';
import { maxKeys, past } from '../listing.js';
import { s3Error } from '../s3-errors.js';
import { toXml, type XmlNode } from '../xml.js';
import {
  clientVersionId,
  escapeKey,
  isMarker,
  parseVersionObject,
  VERSIONS_PREFIX,
  versionFolder,
  versionObject,
} from './layout.js';
import { bucketState } from './state.js';

/** One version in a listing. */
interface Listed {
  key: string;
  /** The version name, or 'null' for a plain object written before versioning. */
  name: string;
  object: ListedObject;
}

/** A port listing that can be re-opened further on (to skip a common prefix). */
class Cursor<T> {
  private iterator: AsyncIterator<ListedObject> | undefined;
  private pending: T | undefined;
  constructor(
    private readonly port: StoragePort,
    private readonly prefix: string,
    private readonly convert: (o: ListedObject) => T | undefined,
    private after: string,
    private readonly signal: AbortSignal,
  ) {}

  async peek(): Promise<T | undefined> {
    while (this.pending === undefined) {
      this.iterator ??= this.open();
      const next = await this.iterator.next();
      if (next.done) return undefined;
      this.pending = this.convert(next.value);
    }
    return this.pending;
  }

  take(): void {
    this.pending = undefined;
  }

  async skipTo(after: string): Promise<void> {
    await this.close();
    this.pending = undefined;
    this.after = after;
  }

  async close(): Promise<void> {
    const open = this.iterator;
    this.iterator = undefined;
    await open?.return?.();
  }

  private open(): AsyncIterator<ListedObject> {
    const port = this.port;
    const options = {
      prefix: this.prefix,
      signal: this.signal,
      ...(this.after ? { startAfter: this.after } : {}),
    };
    async function* objects() {
      for await (const entry of port.list(options)) if (entry.type === 'object') yield entry;
    }
    return objects();
  }
}

/** ListObjectVersions: versions, delete markers and common prefixes, in S3's order and paging. */
export async function listVersions(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const q = ctx.target.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const versionMarker = q.get('version-id-marker') ?? '';
  const limit = maxKeys(ctx);
  const type = q.get('encoding-type');
  if (type !== undefined && type !== 'url')
    throw s3Error('InvalidArgument', 400, 'encoding-type must be "url"');
  const encode =
    type === 'url' ? (t: string) => encodeURIComponent(t).replace(/%2F/g, '/') : (t: string) => t;
  if (versionMarker && !keyMarker) {
    throw s3Error('InvalidArgument', 400, 'A version-id marker cannot be specified without a key marker.');
  }
  // the request's view: a sealed version shows its plaintext size and ETag, as ListObjects shows them
  const port = bucket.port;
  const versioned = (await bucketState(bucket)).versioning !== 'Unversioned';
  const plain = new Cursor<Listed>(
    port,
    prefix,
    (o) => ({ key: o.key, name: 'null', object: o }),
    keyMarker,
    ctx.signal,
  );
  const stored = new Cursor<Listed>(
    port,
    VERSIONS_PREFIX + escapeKey(prefix),
    (o) => {
      const parsed = parseVersionObject(o.key);
      return parsed ? { ...parsed, object: o } : undefined;
    },
    !keyMarker
      ? ''
      : versionMarker && versionMarker !== 'null'
        ? versionObject(keyMarker, versionMarker)
        : versionMarker
          ? versionFolder(keyMarker)
          : past(versionFolder(keyMarker)),
    ctx.signal,
  );
  const versions: Listed[] = [];
  const latest = new Set<Listed>();
  const prefixes: string[] = [];
  let truncated = false;
  let skippingToNull = versionMarker === 'null';
  let lastKey: string | undefined;
  try {
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const fromPlain = await plain.peek();
      if (fromPlain?.key.startsWith(RESERVED_PREFIX)) {
        // the gateway's own objects are no versions: skip them all at once
        await plain.skipTo(past(RESERVED_PREFIX));
        continue;
      }
      const fromStore = versioned ? await stored.peek() : undefined;
      if (!fromPlain && !fromStore) break;
      const key =
        fromPlain && (!fromStore || compareUtf8(fromPlain.key, fromStore.key) <= 0)
          ? fromPlain.key
          : fromStore!.key;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const common = key.slice(0, cut + delimiter.length);
        if (!keyMarker.startsWith(common)) {
          if (versions.length + prefixes.length >= limit) {
            truncated = true;
            break;
          }
          prefixes.push(common);
          lastKey = common;
        }
        await plain.skipTo(past(common));
        await stored.skipTo(past(VERSIONS_PREFIX + escapeKey(common)));
        continue;
      }
      // this key's versions: from the store when it has any, else the plain object (its null version)
      const group: Listed[] = [];
      for (
        let next = versioned ? await stored.peek() : undefined;
        next?.key === key;
        next = await stored.peek()
      ) {
        group.push(next);
        stored.take();
      }
      if (fromPlain?.key === key) plain.take();
      if (group.length === 0 && fromPlain?.key === key) group.push(fromPlain);
      if (group[0] && !(key === keyMarker && versionMarker)) latest.add(group[0]);
      for (const version of group) {
        if (skippingToNull && key === keyMarker) {
          if (version.name === 'null' || clientVersionId(version.name) === 'null') skippingToNull = false;
          continue;
        }
        if (versions.length + prefixes.length >= limit) {
          truncated = true;
          break;
        }
        versions.push(version);
        lastKey = undefined;
      }
      if (truncated) break;
    }
  } finally {
    await plain.close();
    await stored.close();
  }
  const last = versions.at(-1);
  const owner = ownerElement(ctx.users, ctx.owner);
  const entries = versions.map((v) => {
    const common = {
      Key: encode(v.key),
      VersionId: v.name === 'null' ? 'null' : clientVersionId(v.name),
      IsLatest: latest.has(v),
      LastModified: v.object.lastModified,
    };
    return isMarker(v.name)
      ? { DeleteMarker: { ...common, Owner: owner } }
      : {
          Version: {
            ...common,
            ETag: quoted(v.object.etag),
            Size: v.object.size,
            Owner: owner,
            StorageClass: 'STANDARD',
          },
        };
  });
  const nextMarkers: XmlNode = !truncated
    ? {}
    : lastKey !== undefined
      ? { NextKeyMarker: encode(lastKey) }
      : last
        ? { NextKeyMarker: encode(last.key), NextVersionIdMarker: last.name === 'null' ? 'null' : last.name }
        : {};
  const head = toXml('ListVersionsResult', {
    Name: bucket.name,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionMarker,
    ...nextMarkers,
    MaxKeys: limit,
    ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
    EncodingType: type === 'url' ? 'url' : undefined,
    IsTruncated: truncated,
  });
  // versions and delete markers interleave in order, so each is written on its own
  const body = entries.map((e) => fragment(e));
  const common = prefixes.map((p) => fragment({ CommonPrefixes: { Prefix: encode(p) } }));
  sendXml(
    ctx.res,
    head.replace('</ListVersionsResult>', `${body.join('')}${common.join('')}</ListVersionsResult>`),
  );
}

/** The elements of `node` without a document around them. */
function fragment(node: XmlNode): string {
  const whole = toXml('x', node, null);
  return whole.slice(whole.indexOf('<x>') + 3, -'</x>'.length);
}
