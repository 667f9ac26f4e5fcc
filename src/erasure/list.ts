import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import {
  compareUtf8,
  type ListEntry,
  type ListOptions,
  listedObjectOf,
  type StoragePort,
} from '../storage/index.js';
import { MANIFEST_PREFIX } from './layout.js';
import { chooseManifest, type ManifestVotes } from './manifest-quorum.js';
import { readManifests } from './manifests.js';
import { sharedFailure } from './port-failures.js';

/**
 * Merges the manifest listings of every port into one listing of live objects, in UTF-8 order. A key
 * is read from the ports that list it and chosen as get() chooses it (manifest-quorum.ts), so a
 * tombstone hides older copies elsewhere and a listing agrees with reads; delimiters are applied after
 * that, so a folder of deleted objects does not show.
 */
export async function* listErasure(
  ports: StoragePort[],
  options: ListOptions,
  tolerance: { parity: number; graceMs: number; timeoutMs: number } = {
    parity: 0,
    graceMs: 0,
    timeoutMs: 30_000,
  },
): AsyncGenerator<ListEntry> {
  throwIfAborted(options.signal);
  const prefix = options.prefix ?? '';
  const inner: ListOptions = {
    prefix: MANIFEST_PREFIX + prefix,
    ...(options.startAfter !== undefined ? { startAfter: MANIFEST_PREFIX + options.startAfter } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let lastPrefix: string | undefined;
  const listings = ports.map((port) => port.list(inner));
  for await (const { key, holders } of mergeKeys(listings, MANIFEST_PREFIX.length, tolerance.timeoutMs)) {
    throwIfAborted(options.signal);
    const held = await readManifests(
      holders.map((i) => ports[i]!),
      key,
      {
        ...(options.signal ? { signal: options.signal } : {}),
        quorum: Math.max(1, holders.length - tolerance.parity),
        graceMs: tolerance.graceMs,
      },
    );
    // a port that does not list the key has no manifest of it: the same votes get() counts
    const votes: ManifestVotes = ports.map(() => undefined);
    holders.forEach((port, i) => {
      votes[port] = held[i];
    });
    // keys whose manifests agree on nothing are left out: get() says Corrupt, heal() names them
    const manifest = chooseManifest(votes, tolerance.parity + 1)?.manifest;
    if (!manifest || manifest.deleted) continue;
    if (options.delimiter) {
      const at = key.indexOf(options.delimiter, prefix.length);
      if (at >= 0) {
        const common = key.slice(0, at + options.delimiter.length);
        if (
          common !== lastPrefix &&
          (options.startAfter === undefined || compareUtf8(common, options.startAfter) > 0)
        ) {
          lastPrefix = common;
          yield { type: 'prefix', prefix: common };
        }
        continue;
      }
    }
    yield listedObjectOf(manifest, key);
  }
}

/**
 * A k-way merge of sorted listings: each key once (without `prefixLength` leading chars), with the
 * indexes of the listings that hold it. A listing that fails counts as empty (one of the m ports the
 * code tolerates); when every listing fails at once, so does the merge: with the code they share
 * (a missing bucket, refused credentials) or `Backend`.
 */
export async function* mergeKeys(
  listings: AsyncIterable<ListEntry>[],
  prefixLength = MANIFEST_PREFIX.length,
  timeoutMs = 30_000,
): AsyncGenerator<{ key: string; holders: number[] }> {
  const iterators = listings.map((listing) => listing[Symbol.asyncIterator]());
  const failures: unknown[] = [];
  const nextKey = (iterator: AsyncIterator<ListEntry>) =>
    nextKeyWithin(iterator, timeoutMs, (err) => failures.push(err));
  const heads: (string | undefined)[] = await Promise.all(iterators.map((it) => nextKey(it)));
  if (failures.length > 0 && failures.length === iterators.length) {
    throw (
      sharedFailure(failures, 'listing') ??
      bkError('Backend', `every one of the ${failures.length} ports failed to list; try again`, {
        cause: failures[0],
        details: { retryable: true },
      })
    );
  }
  for (;;) {
    let smallest: string | undefined;
    for (const head of heads)
      if (head !== undefined && (smallest === undefined || compareUtf8(head, smallest) < 0)) smallest = head;
    if (smallest === undefined) return;
    const holders = heads.flatMap((head, i) => (head === smallest ? [i] : []));
    yield { key: smallest.slice(prefixLength), holders };
    await Promise.all(
      holders.map(async (i) => {
        heads[i] = await nextKey(iterators[i]!);
      }),
    );
  }
}

/**
 * The next object key of a listing. A port that fails to list, or says nothing for `timeoutMs`, counts
 * as empty from there on: it is one of the m the code tolerates.
 */
async function nextKeyWithin(
  iterator: AsyncIterator<ListEntry>,
  timeoutMs: number,
  failed: (err: unknown) => void,
): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<'silent'>((resolve) => {
    timer = setTimeout(() => resolve('silent'), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), silent]);
      if (next === 'silent') {
        void iterator.return?.().catch(() => {});
        return undefined;
      }
      if (next.done) return undefined;
      if (next.value.type === 'object') return next.value.key;
    }
  } catch (err) {
    if (BucketkitError.is(err, 'Aborted')) throw err;
    failed(err);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
