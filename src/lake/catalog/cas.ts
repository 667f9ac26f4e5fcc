/**
 * Reads and changes a day's index. Changes are compare-and-swap (`ifMatch` the ETag read, or
 * `ifNoneMatch: '*'` to create), retried on `PreconditionFailed` with a fresh read, so concurrent writers
 * on any number of machines never lose each other's segments. Ports without conditional writes are
 * refused unless the caller promises it is the only writer.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { indexKey } from '../names.js';
import { type DayIndex, decodeDayIndex, emptyDayIndex, encodeDayIndex } from './day-index.js';

/** A day's index and the ETag it was read with (undefined when it does not exist yet). */
export interface DayIndexState {
  index: DayIndex;
  etag: string | undefined;
  /** Bytes read (0 when there was no index). */
  bytes: number;
}

/**
 * Reads a day's index: one GET; a missing index is an empty one.
 *
 * @example
 * ```ts
 * const { index } = await readDayIndex(port, 'acme', 20260102);
 * ```
 */
export async function readDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  signal?: AbortSignal,
): Promise<DayIndexState> {
  return readJsonObject(
    port,
    indexKey(org, dateint),
    decodeDayIndex,
    () => emptyDayIndex(org, dateint),
    signal,
  );
}

/**
 * Reads a JSON object (an index) with its ETag: one GET; a missing object is `empty()`.
 *
 * @example
 * ```ts
 * const { index, etag } = await readJsonObject(port, key, decodeDayIndex, () => emptyDayIndex(org, day));
 * ```
 */
export async function readJsonObject<T>(
  port: StoragePort,
  key: string,
  decode: (text: string, key: string) => T,
  empty: () => T,
  signal?: AbortSignal,
): Promise<{ index: T; etag: string | undefined; bytes: number }> {
  try {
    const got = await port.get(key, { signal });
    const text = await got.text();
    return { index: decode(text, key), etag: got.etag, bytes: got.size };
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return { index: empty(), etag: undefined, bytes: 0 };
    throw err;
  }
}

export interface UpdateOptions {
  /** Write without conditions (the caller guarantees no other writer). */
  singleWriter?: boolean;
  signal?: AbortSignal;
  /** Attempts before giving up with a retryable `PreconditionFailed` (default 100). */
  maxAttempts?: number;
}

const writable = new WeakMap<StoragePort, Promise<boolean>>();

/**
 * Throws `Unsupported` unless the port enforces conditional writes or `singleWriter` is set.
 *
 * @example
 * ```ts
 * await requireSafeWrites(port, false);
 * ```
 */
export async function requireSafeWrites(port: StoragePort, singleWriter: boolean | undefined): Promise<void> {
  if (singleWriter) return;
  let pending = writable.get(port);
  if (!pending) {
    pending = port.capabilities().then((caps) => caps.conditionalWrites);
    pending.catch(() => writable.delete(port));
    writable.set(port, pending);
  }
  if (!(await pending)) {
    throw bkError(
      'Unsupported',
      `the lake changes its index by compare-and-swap, which ${port.name} does not enforce; ` +
        'use a port with conditional writes, or pass singleWriter: true if only this process writes',
      { details: { port: port.name } },
    );
  }
}

/**
 * Changes a day's index by compare-and-swap. `change` gets the current index and returns the new one, or
 * `undefined` to leave it as it is; it may run several times (once per lost race) and must not have
 * effects of its own. Returns the index as committed (or as read, when unchanged).
 *
 * @example
 * ```ts
 * await updateDayIndex(port, 'acme', 20260102, (index) => ({ ...index, segments: [...index.segments, seg] }));
 * ```
 */
export async function updateDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  change: (index: DayIndex) => DayIndex | undefined,
  options: UpdateOptions = {},
): Promise<DayIndex> {
  return updateJsonObject(
    port,
    indexKey(org, dateint),
    () => readDayIndex(port, org, dateint, options.signal),
    encodeDayIndex,
    change,
    options,
  );
}

/**
 * Changes a JSON object by compare-and-swap: `read` gives it with its ETag, `change` returns the new
 * value (or undefined to leave it) and may run once per lost race; `PreconditionFailed` retries after a
 * short random backoff, at most `maxAttempts` times.
 *
 * @example
 * ```ts
 * await updateJsonObject(port, key, () => readDayIndex(port, org, day), encodeDayIndex, change);
 * ```
 */
export async function updateJsonObject<T>(
  port: StoragePort,
  key: string,
  read: () => Promise<{ index: T; etag: string | undefined }>,
  encode: (value: T) => string,
  change: (value: T) => T | undefined,
  options: UpdateOptions = {},
): Promise<T> {
  await requireSafeWrites(port, options.singleWriter);
  const attempts = options.maxAttempts ?? 100;
  for (let attempt = 1; ; attempt++) {
    const state = await read();
    const next = change(structuredClone(state.index));
    if (next === undefined) return state.index;
    const conditions = options.singleWriter
      ? {}
      : state.etag === undefined
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: state.etag };
    try {
      await port.put(key, encode(next), {
        ...conditions,
        contentType: 'application/json',
        signal: options.signal,
      });
      return next;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= attempts) throw err;
      await backoff(attempt, options.signal);
    }
  }
}

function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = Math.random() * Math.min(250, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(
          bkError('Aborted', 'the index update was aborted by its AbortSignal', { cause: signal.reason }),
        );
      },
      { once: true },
    );
  });
}
