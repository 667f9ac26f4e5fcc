import type { ListEntry, ListOptions, ObjectInfo, StoragePort } from '../../storage/index.js';
import { headOrUndefined, RESERVED_PREFIX } from '../context.js';
import { VERSIONS_PREFIX } from '../versioning/index.js';

/**
 * Listings of buckets that hold encrypted objects. A port lists stored sizes, and a sealed object's
 * stored size is its plaintext plus 16 bytes a chunk; telling which objects are sealed takes a HEAD
 * each. So a bucket is marked (an empty object under the reserved prefix) when its first sealed object
 * is written, and only marked buckets pay the HEADs.
 */
const MARKER = `${RESERVED_PREFIX}sealed`;
const marked = new WeakMap<StoragePort, Promise<boolean>>();
const PART = new RegExp(`^${RESERVED_PREFIX.replace(/\./g, '\\.')}uploads/([0-9a-f]{32})/part-(\\d{5})$`);

/** Whether `key` is a part of a multipart upload the gateway holds (object data under the reserved prefix). */
export const isPart = (key: string): boolean => PART.test(key);

/**
 * What a customer-key part's wrapped data key is bound to: its upload and part number, so a part's
 * bytes cannot stand in for another part's (wrapKey's authenticated context).
 *
 * @example
 * ```ts
 * partContext('0f…e1', 2); // 'SSE-C part 0f…e1 2'
 * ```
 */
export const partContext = (uploadId: string, n: number): string => `SSE-C part ${uploadId} ${n}`;

/** The wrap context of a sealed object at `key`: its part binding for a customer-key part, else the mode. */
export function wrapContext(key: string, mode: string): string {
  const part = mode === 'SSE-C' ? PART.exec(key) : null;
  return part ? partContext(part[1]!, Number(part[2])) : mode;
}

/** Object data a listing shows: client objects, upload parts and versions, not the gateway's own records. */
export const isObjectData = (key: string): boolean =>
  !key.startsWith(RESERVED_PREFIX) || isPart(key) || key.startsWith(VERSIONS_PREFIX);

/** Marks the bucket as holding sealed objects (once per port per process). */
export async function markSealed(port: StoragePort): Promise<void> {
  if (await hasSealed(port)) return;
  await port.put(MARKER, new Uint8Array(), { etag: 'any' });
  marked.set(port, Promise.resolve(true));
}

/** Whether the bucket behind `port` was ever marked as holding sealed objects. */
export function hasSealed(port: StoragePort): Promise<boolean> {
  let known = marked.get(port);
  if (!known) {
    known = headOrUndefined(port, MARKER).then((info) => info !== undefined);
    marked.set(port, known);
    known.catch(() => marked.delete(port));
  }
  return known;
}

/**
 * The port's listing as clients see it: unchanged for an unmarked bucket, else each object (and each
 * upload part) is looked at and a sealed one shows what `reveal` makes of it (plaintext size and ETag).
 *
 * @example
 * ```ts
 * for await (const entry of plaintextListing(port, options, (info) => plain(info))) use(entry);
 * ```
 */
export async function* plaintextListing(
  port: StoragePort,
  options: ListOptions | undefined,
  reveal: (info: ObjectInfo) => Promise<ObjectInfo | undefined>,
): AsyncGenerator<ListEntry> {
  const sealed = await hasSealed(port);
  for await (const entry of port.list(options)) {
    if (!sealed || entry.type !== 'object' || !isObjectData(entry.key)) {
      yield entry;
      continue;
    }
    const info = await headOrUndefined(port, entry.key, options?.signal);
    const shown = info && (await reveal(info));
    yield shown ? { ...entry, size: shown.size, etag: shown.etag } : entry;
  }
}
