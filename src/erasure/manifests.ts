import { BucketkitError } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/port.js';
import { type Manifest, manifestKey, parseManifest } from './layout.js';

/** What each port says about a key: its manifest, `undefined` when it has none, or the error it gave. */
export type ManifestVotes = (Manifest | undefined | Error)[];

/**
 * Reads a key's manifest from every port at once.
 *
 * @example
 * ```ts
 * const newest = newestManifest(await readManifests(ports, 'a.txt'));
 * ```
 */
export async function readManifests(
  ports: StoragePort[],
  key: string,
  options: Abortable = {},
): Promise<ManifestVotes> {
  return Promise.all(
    ports.map(async (port) => {
      try {
        const got = await port.get(manifestKey(key), options.signal ? { signal: options.signal } : {});
        return parseManifest(await got.text()) ?? new Error('damaged manifest');
      } catch (err) {
        if (BucketkitError.is(err, 'NotFound')) return undefined;
        if (BucketkitError.is(err, 'Aborted')) throw err;
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
}

/** The newest manifest any port holds (a tombstone included), or undefined. */
export function newestManifest(votes: ManifestVotes): Manifest | undefined {
  let newest: Manifest | undefined;
  for (const vote of votes) {
    if (vote && !(vote instanceof Error) && (!newest || vote.version > newest.version)) newest = vote;
  }
  return newest;
}

/**
 * Writes a manifest to every port; returns how many took it.
 *
 * @example
 * ```ts
 * if ((await writeManifests(ports, manifest)) < quorum) throw incomplete();
 * ```
 */
export async function writeManifests(
  ports: StoragePort[],
  manifest: Manifest,
  options: Abortable = {},
): Promise<number> {
  const body = JSON.stringify(manifest);
  const results = await Promise.allSettled(
    ports.map((port) =>
      port.put(manifestKey(manifest.key), body, {
        contentType: 'application/json',
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    ),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}
