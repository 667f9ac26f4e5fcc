/** Jittered backoff between compare-and-swap attempts. */
import { throwIfAborted } from '../errors.js';

/** Waits a full-jitter delay of up to `base · 2^attempt` ms (capped at 1 s), or rejects on abort. */
export function backoff(attempt: number, signal?: AbortSignal, base = 5): Promise<void> {
  throwIfAborted(signal);
  const ms = Math.random() * Math.min(1000, base * 2 ** attempt);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      try {
        throwIfAborted(signal);
      } catch (err) {
        reject(err);
      }
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; results keep the input order. When an
 * item fails, no further item starts and the first error is thrown once the items in flight have
 * settled (so nothing keeps writing after the caller has its error).
 *
 * @example
 * ```ts
 * const records = await mapLimit(ids, 16, (id) => resource.get(id));
 * ```
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, runner));
  if (failure) throw failure.error;
  return results;
}
