import type { ListedObject, Metadata, ObjectInfo } from './port.js';

/** How a port that keeps its own records stores an object's description: times as epoch milliseconds. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  /** Epoch milliseconds. */
  lastModified: number;
  metadata: Metadata;
  contentType?: string | undefined;
}

/**
 * The `ObjectInfo` a stored description gives a caller: its own copy of the metadata, the time as a
 * `Date`, and no `contentType` key when there is none. For port authors whose ports keep records.
 *
 * @example
 * ```ts
 * const info = objectInfoOf({ key: 'a.txt', size: 3, etag: 'e1', lastModified: Date.now(), metadata: {} });
 * ```
 */
export function objectInfoOf(stored: StoredObject): ObjectInfo {
  return {
    key: stored.key,
    size: stored.size,
    etag: stored.etag,
    lastModified: new Date(stored.lastModified),
    metadata: { ...stored.metadata },
    ...(stored.contentType ? { contentType: stored.contentType } : {}),
  };
}

/**
 * The listing entry of a stored description, under `key` when the listing names it otherwise.
 *
 * @example
 * ```ts
 * yield listedObjectOf(record);
 * ```
 */
export function listedObjectOf(
  stored: Omit<StoredObject, 'metadata' | 'key'> & { key?: string },
  key = stored.key ?? '',
): ListedObject {
  return {
    type: 'object',
    key,
    size: stored.size,
    etag: stored.etag,
    lastModified: new Date(stored.lastModified),
  };
}
