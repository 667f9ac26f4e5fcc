/** Which days of an org have an index of one signal: one listing of `db/{org}/_index/{signal}/`. */
import type { StoragePort } from '../../storage/index.js';
import { indexKey } from '../names.js';

/**
 * Every day an org has an index of `signal` for, oldest first (one listing).
 *
 * @example
 * ```ts
 * const days = await indexedDays(port, 'acme', 'traces'); // [20260101, 20260102]
 * ```
 */
export async function indexedDays(
  port: StoragePort,
  org: string,
  signal = 'logs',
  abort?: AbortSignal,
): Promise<number[]> {
  const prefix = indexKey(org, 0, signal).replace(/0\.json$/, '');
  const days: number[] = [];
  for await (const entry of port.list({ prefix, ...(abort ? { signal: abort } : {}) })) {
    if (entry.type !== 'object') continue;
    const match = /^(\d{8})\.json$/.exec(entry.key.slice(prefix.length));
    if (match) days.push(Number(match[1]));
  }
  return days.sort((a, b) => a - b);
}
