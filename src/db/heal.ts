/**
 * Healing the catalog on connect: the damaged original is backed up first, then the healed catalog is
 * written by compare-and-swap. A truncated catalog may have lost whole resources; if any resource
 * still has objects in storage but no definition, nothing is written and `Corrupt` names them.
 */
import { BucketkitError, bkError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import type { Catalog, CatalogStore } from './catalog.js';
import { refuseWhileMigrating } from './s3db/marker.js';

type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export async function healOnConnect(
  port: StoragePort,
  store: CatalogStore,
  log: Log,
  options: Abortable = {},
): Promise<Catalog> {
  const loaded = await store.load(options);
  // a new catalog must not be started over a bucket that is half-way through an s3db.js migration
  if (loaded.etag === undefined) await refuseWhileMigrating(port, options);
  if (loaded.healed.length === 0) return loaded.catalog;
  const backup = await store.backup(loaded.original!, options);
  if (loaded.healed.includes('truncated')) {
    const known = new Set(Object.keys(loaded.catalog.resources));
    const lost = (await storedResources(port, options)).filter((name) => !known.has(name));
    if (lost.length > 0) {
      throw bkError(
        'Corrupt',
        `the database catalog was truncated and lost the definitions of ${lost.join(', ')}; restore ${backup} or an older copy by hand`,
        { details: { lost, backup, healed: loaded.healed } },
      );
    }
  }
  try {
    await store.write(loaded.catalog, loaded.etag, options);
  } catch (err) {
    // Another process healed or changed it first: use theirs.
    if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
    return (await store.load(options)).catalog;
  }
  log('warn', 'the database catalog was damaged and has been healed', { healed: loaded.healed, backup });
  return loaded.catalog;
}

/** The resource names that own objects, with one short LIST per resource (skipping over its keys). */
export async function storedResources(port: StoragePort, options: Abortable = {}): Promise<string[]> {
  const names: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    let found: string | undefined;
    for await (const entry of port.list({
      prefix: 'resource=',
      pageSize: 1,
      ...(startAfter ? { startAfter } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      if (entry.type === 'object') {
        found = entry.key;
        break;
      }
    }
    if (!found) return names;
    const slash = found.indexOf('/');
    const name = found.slice('resource='.length, slash < 0 ? undefined : slash);
    names.push(name);
    startAfter = `resource=${name}/\u{10FFFF}`;
  }
}
