/** A port wrapper for request-counting tests: it records every call made to it. */
import type { StoragePort } from '../../src/index.js';

/**
 * `port`, recording each call into `calls` as `op key` (the prefix for listings), with ` @start-end` after a
 * ranged get when `ranges` is set.
 */
export function recording(port: StoragePort, calls: string[], { ranges = false } = {}): StoragePort {
  return new Proxy(port, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || name === 'capabilities') return value;
      return (...args: unknown[]) => {
        const [first, second] = args as [unknown, { range?: { start: number; end?: number } }?];
        const range =
          ranges && name === 'get' && second?.range
            ? ` @${second.range.start}-${second.range.end ?? ''}`
            : '';
        const what = typeof first === 'string' ? first : ((first as { prefix?: string })?.prefix ?? '');
        calls.push(`${String(name)} ${what}${range}`);
        return value.apply(target, args);
      };
    },
  });
}
