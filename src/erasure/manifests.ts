import { BucketkitError, throwIfAborted } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { type Manifest, manifestKey, parseManifest } from './layout.js';
import { DamagedManifest, type ManifestVotes, NoAnswer } from './manifest-quorum.js';

/**
 * Reads a key's manifest from every port at once.
 *
 * @example
 * ```ts
 * const choice = chooseManifest(await readManifests(ports, 'a.txt'), parity + 1);
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
  const votes: ManifestVotes = ports.map(() => new NoAnswer());
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
    return parseManifest(await got.text(), key) ?? new DamagedManifest();
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    if (signal.aborted) return new NoAnswer();
    if (BucketkitError.is(err, 'Aborted')) throw err;
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** How a manifest write went: how many ports took it, and what the others threw. */
export interface ManifestWrites {
  written: number;
  errors: unknown[];
}

/**
 * Writes a manifest to every port; returns how many took it (and the other ports' errors).
 *
 * @example
 * ```ts
 * if ((await writeManifests(ports, manifest)).written < quorum) throw incomplete();
 * ```
 */
export async function writeManifests(
  ports: StoragePort[],
  manifest: Manifest,
  options: Abortable & { timeoutMs?: number } = {},
): Promise<ManifestWrites> {
  const body = JSON.stringify(manifest);
  const results = await Promise.allSettled(
    ports.map((port) =>
      port.put(manifestKey(manifest.key), body, {
        contentType: 'application/json',
        signal: timeoutSignal(options.timeoutMs ?? 30_000, options.signal),
      }),
    ),
  );
  return {
    written: results.filter((r) => r.status === 'fulfilled').length,
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
  };
}

function timeoutSignal(ms: number, outer: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return outer ? AbortSignal.any([timeout, outer]) : timeout;
}
