import type { StoragePort } from '../../src/index.js';

export type Fault = 'none' | 'throw' | 'hang' | 'corrupt';

export type PortOp = 'put' | 'get' | 'head' | 'list' | 'delete' | 'deleteMany' | 'copy';

export interface FaultyPort extends StoragePort {
  fault: Fault;
  /** Only keys starting with this are affected (default: all). */
  scope: string;
  /**
   * Runs before every operation, whatever the scope (a list passes its prefix, deleteMany its first key):
   * it may throw to fail that operation, set `fault` to fail every later one (a crash), or run
   * something concurrently (a race).
   */
  before?: (op: PortOp, key: string) => void | Promise<void>;
}

/**
 * A port that misbehaves on demand: throws, never answers (until aborted), or returns bytes with one
 * bit flipped. Writes fail with 'throw' and 'hang' as well.
 */
export function faulty(port: StoragePort): FaultyPort {
  const wrapper: FaultyPort = {
    fault: 'none',
    scope: '',
    name: `faulty(${port.name})`,
    capabilities: (o) => port.capabilities(o),
    async put(key, body, options) {
      await wrapper.before?.('put', key);
      await misbehave(key, options?.signal);
      return port.put(key, body, options);
    },
    async get(key, options) {
      await wrapper.before?.('get', key);
      await misbehave(key, options?.signal);
      const result = await port.get(key, options);
      if (wrapper.fault !== 'corrupt' || !key.startsWith(wrapper.scope)) return result;
      const bytes = await result.bytes();
      if (bytes.byteLength > 0) bytes[Math.floor(bytes.byteLength / 2)]! ^= 0x10;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
      });
      return { ...result, body, bytes: async () => bytes, text: async () => new TextDecoder().decode(bytes) };
    },
    async head(key, options) {
      await wrapper.before?.('head', key);
      await misbehave(key, options?.signal);
      return port.head(key, options);
    },
    async *list(options) {
      await wrapper.before?.('list', options?.prefix ?? '');
      await misbehave(options?.prefix ?? '', options?.signal);
      yield* port.list(options);
    },
    async delete(key, options) {
      await wrapper.before?.('delete', key);
      await misbehave(key, options?.signal);
      return port.delete(key, options);
    },
    async deleteMany(keys, options) {
      const list = [];
      for await (const key of keys) list.push(key);
      await wrapper.before?.('deleteMany', list[0] ?? '');
      return port.deleteMany(list, options);
    },
    async copy(a, b, options) {
      await wrapper.before?.('copy', b);
      return port.copy(a, b, options);
    },
  };
  async function misbehave(key: string, signal?: AbortSignal): Promise<void> {
    if (!key.startsWith(wrapper.scope)) return;
    if (wrapper.fault === 'throw') throw new Error(`${port.name} is down`);
    if (wrapper.fault === 'hang') {
      await new Promise<void>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
  }
  return wrapper;
}
