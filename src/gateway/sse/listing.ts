import type { ListEntry, ListOptions, StoragePort } from '../../storage/index.js';
import { openedSize } from '../../storage/index.js';
import { headOrUndefined, RESERVED_PREFIX } from '../context.js';

/**
 * Listings of buckets that hold encrypted objects. A port lists stored sizes, and a sealed object's
 * stored size is its plaintext plus 16 bytes a chunk; telling which objects are sealed takes a HEAD
 * each. So a bucket is marked (an empty object under the reserved prefix) when its first sealed object
 * is written, and only marked buckets pay the HEADs.
 */
const MARKER = `${RESERVED_PREFIX}sealed`;
const marked = new WeakMap<StoragePort, Promise<boolean>>();

/** Marks the bucket as holding sealed objects (once per port per process). */
export async function markSealed(port: StoragePort): Promise<void> {
  if (await hasSealed(port)) return;
  await port.put(MARKER, new Uint8Array(), { etag: 'any' });
  marked.set(port, Promise.resolve(true));
}

function hasSealed(port: StoragePort): Promise<boolean> {
  let known = marked.get(port);
  if (!known) {
    known = headOrUndefined(port, MARKER).then((info) => info !== undefined);
    marked.set(port, known);
    known.catch(() => marked.delete(port));
  }
  return known;
}

/**
 * The port's listing with plaintext sizes: unchanged for an unmarked bucket, else each object is
 * looked at (`isSealed`) and a sealed one's size is the plaintext's.
 *
 * @example
 * ```ts
 * for await (const entry of plaintextListing(port, options, (m) => m['bucketkit.sse'] !== undefined)) use(entry);
 * ```
 */
export async function* plaintextListing(
  port: StoragePort,
  options: ListOptions | undefined,
  isSealed: (metadata: Record<string, string>) => boolean,
): AsyncGenerator<ListEntry> {
  const sealed = await hasSealed(port);
  for await (const entry of port.list(options)) {
    if (!sealed || entry.type !== 'object' || entry.key.startsWith(RESERVED_PREFIX)) {
      yield entry;
      continue;
    }
    const info = await headOrUndefined(port, entry.key, options?.signal);
    yield info && isSealed(info.metadata) ? { ...entry, size: openedSize(entry.size) } : entry;
  }
}
