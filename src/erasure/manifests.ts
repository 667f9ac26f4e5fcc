import { BucketkitError, throwIfAborted } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
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
  options: Abortable & { quorum?: number; graceMs?: number } = {},
): Promise<ManifestVotes> {
  const quorum = options.quorum ?? ports.length;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const votes: ManifestVotes = ports.map(() => new Error('no answer'));
  let answered = 0;
  let aborted: unknown;
  try {
    await new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        answered++;
        if (answered === ports.length) resolve();
        else if (answered === quorum) timer = setTimeout(resolve, options.graceMs ?? 0);
      };
      ports.forEach((port, i) => {
        vote(port, key, controller.signal).then(
          (result) => {
            votes[i] = result;
            settle();
          },
          (err) => {
            aborted = err;
            resolve();
          },
        );
      });
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    controller.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (aborted) throw aborted;
  throwIfAborted(options.signal);
  return votes;
}

async function vote(
  port: StoragePort,
  key: string,
  signal: AbortSignal,
): Promise<Manifest | undefined | Error> {
  try {
    const got = await port.get(manifestKey(key), { signal });
    return parseManifest(await got.text()) ?? new Error('damaged manifest');
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    if (signal.aborted) return new Error('no answer');
    if (BucketkitError.is(err, 'Aborted')) throw err;
    return err instanceof Error ? err : new Error(String(err));
  }
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
  options: Abortable & { timeoutMs?: number } = {},
): Promise<number> {
  const body = JSON.stringify(manifest);
  const results = await Promise.allSettled(
    ports.map((port) =>
      port.put(manifestKey(manifest.key), body, {
        contentType: 'application/json',
        signal: timeoutSignal(options.timeoutMs ?? 30_000, options.signal),
      }),
    ),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}

function timeoutSignal(ms: number, outer: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return outer ? AbortSignal.any([timeout, outer]) : timeout;
}
