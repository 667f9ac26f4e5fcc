/**
 * Compare-and-swap on a dataset's manifest: read it with its ETag, compute the new manifest, write it
 * with `ifMatch` (or `ifNoneMatch: '*'` to create it), and on `PreconditionFailed` read again and
 * recompute, so every change is re-validated against what is really committed. Ports that cannot
 * enforce conditional writes are refused: without them two writers could both commit.
 */
import { BucketkitError, bkError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { decodeManifest, encodeManifest, type Manifest, manifestKey } from './manifest.js';

/** A manifest and the ETag it was read with. */
export interface ManifestState {
  manifest: Manifest;
  etag: string;
}

/** How hard a compare-and-swap tries before giving up with a retryable `PreconditionFailed`. */
export interface CasOptions {
  /** Attempts before giving up (default 64). */
  maxAttempts?: number;
  /** The largest backoff between attempts, in milliseconds (default 250). */
  maxDelayMs?: number;
  signal?: AbortSignal;
}

const checked = new WeakMap<StoragePort, Promise<void>>();

/**
 * Throws `Unsupported` unless the port enforces conditional writes; the answer is cached per port.
 *
 * @example
 * ```ts
 * await requireConditionalWrites(port);
 * ```
 */
export function requireConditionalWrites(port: StoragePort): Promise<void> {
  let pending = checked.get(port);
  if (!pending) {
    pending = port.capabilities().then((caps) => {
      if (!caps.conditionalWrites) {
        throw bkError(
          'Unsupported',
          `datasets need conditional writes (compare-and-swap), which ${port.name} does not enforce`,
          { details: { port: port.name, notes: caps.notes ?? [] } },
        );
      }
    });
    pending.catch(() => checked.delete(port));
    checked.set(port, pending);
  }
  return pending;
}

/**
 * Reads a dataset's manifest; `undefined` when it does not exist or is a deletion tombstone.
 *
 * @example
 * ```ts
 * const state = await readManifest(port, 'ds');
 * ```
 */
export async function readManifest(
  port: StoragePort,
  dataset: string,
  options: { signal?: AbortSignal; tombstones?: boolean } = {},
): Promise<ManifestState | undefined> {
  try {
    const got = await port.get(manifestKey(dataset), { signal: options.signal });
    const manifest = decodeManifest(await got.bytes(), dataset);
    if (manifest.deleted && !options.tombstones) return undefined;
    return { manifest, etag: got.etag };
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Changes a manifest by compare-and-swap. `change` gets the current manifest (or `undefined` when
 * there is none or it is a tombstone, which comes as the second argument) and returns the new one and
 * a result, or throws to refuse; it runs again on every lost race. Returns the result and the written
 * state. With `known` (a state read or written earlier) the first attempt skips the read: the write's
 * `ifMatch` fails if that state is no longer current, and the change then re-runs on a fresh read
 * (a refusal made on `known` is re-checked the same way). `onRead` sees every state read.
 *
 * @example
 * ```ts
 * const { result } = await updateManifest(port, 'ds', (m) => {
 *   if (!m) throw bkError('NotFound', 'no dataset ds');
 *   return { manifest: { ...m, next: m.next + 1 }, result: m.next };
 * });
 * ```
 */
export async function updateManifest<T>(
  port: StoragePort,
  dataset: string,
  change: (current: Manifest | undefined, tombstone?: Manifest) => { manifest: Manifest; result: T },
  options: CasOptions & { known?: ManifestState; onRead?: (state: ManifestState) => void } = {},
): Promise<{ result: T; state: ManifestState }> {
  await requireConditionalWrites(port);
  const key = manifestKey(dataset);
  const maxAttempts = options.maxAttempts ?? 64;
  const maxDelay = options.maxDelayMs ?? 250;
  let known = options.known;
  for (let attempt = 1; ; attempt++) {
    const guess = known;
    known = undefined;
    let current = guess;
    if (!current) {
      current = await readManifest(port, dataset, { signal: options.signal, tombstones: true });
      if (current) options.onRead?.(current);
    }
    const dead = current?.manifest.deleted ? current.manifest : undefined;
    let changed: { manifest: Manifest; result: T };
    try {
      changed = change(dead ? undefined : current?.manifest, dead);
    } catch (err) {
      // A refusal is only final when it was made on a manifest just read.
      if (!guess) throw err;
      attempt--;
      continue;
    }
    const { manifest, result } = changed;
    try {
      const put = await port.put(key, encodeManifest(manifest), {
        contentType: 'application/json',
        signal: options.signal,
        ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const }),
      });
      return { result, state: { manifest, etag: put.etag } };
    } catch (err) {
      // A stale guess is not contention: read and retry at once, without spending an attempt.
      // (An If-Match on a manifest that is gone may answer NotFound rather than PreconditionFailed.)
      if (guess && BucketkitError.is(err, 'PreconditionFailed', 'NotFound')) {
        attempt--;
        continue;
      }
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
      if (attempt >= maxAttempts) {
        throw bkError(
          'PreconditionFailed',
          `manifest ${key} kept changing: gave up after ${attempt} attempts`,
          {
            cause: err,
            details: { key, retryable: true, attempts: attempt },
          },
        );
      }
      const ceiling = Math.min(maxDelay, 2 ** Math.min(attempt, 10));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
