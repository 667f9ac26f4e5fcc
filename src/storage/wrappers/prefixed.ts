import { bkError } from '../../errors.js';
import type { ListEntry, ListOptions, StoragePort } from '../contract/port.js';

/**
 * A port that lives under `prefix` of another port: keys are stored as `prefix + key`, and listings
 * show them without it. `keyPrefix` says where its keys sit in the bucket (nested prefixes add up).
 *
 * @example
 * ```ts
 * const tenant = prefixed(port, 'tenants/acme/');
 * await tenant.put('a.json', '{}'); // stored as tenants/acme/a.json
 * ```
 */
export function prefixed(port: StoragePort, prefix: string): StoragePort {
  if (prefix === '') return port;
  const wrap = (key: string) => {
    if (typeof key !== 'string' || key === '')
      throw bkError('InvalidKey', 'a key must be a non-empty string');
    return prefix + key;
  };
  const unwrap = (key: string) => key.slice(prefix.length);
  const multipart = port.multipart;
  const presign = port.presign?.bind(port);
  return {
    name: `${port.name}/${prefix}`,
    keyPrefix: (port.keyPrefix ?? '') + prefix,
    capabilities: (options) => port.capabilities(options),
    put: async (key, body, options) => port.put(wrap(key), body, options),
    async get(key, options) {
      const result = await port.get(wrap(key), options);
      result.key = key;
      return result;
    },
    async head(key, options) {
      return { ...(await port.head(wrap(key), options)), key };
    },
    async *list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
      const inner: ListOptions = { ...options, prefix: prefix + (options.prefix ?? '') };
      if (options.startAfter !== undefined) inner.startAfter = prefix + options.startAfter;
      for await (const entry of port.list(inner)) {
        yield entry.type === 'object'
          ? { ...entry, key: unwrap(entry.key) }
          : { type: 'prefix', prefix: unwrap(entry.prefix) };
      }
    },
    delete: async (key, options) => port.delete(wrap(key), options),
    async deleteMany(keys, options) {
      async function* mapped() {
        for await (const key of keys) yield wrap(key);
      }
      return port.deleteMany(mapped(), options);
    },
    copy: async (source, destination, options) => port.copy(wrap(source), wrap(destination), options),
    ...(multipart
      ? {
          multipart: {
            create: async (key, options) => multipart.create(wrap(key), options),
            uploadPart: async (key, id, n, body, options) =>
              multipart.uploadPart(wrap(key), id, n, body, options),
            uploadPartCopy: async (key, id, n, source, options) =>
              multipart.uploadPartCopy(wrap(key), id, n, { ...source, key: wrap(source.key) }, options),
            complete: async (key, id, parts, options) => multipart.complete(wrap(key), id, parts, options),
            abort: async (key, id, options) => multipart.abort(wrap(key), id, options),
          },
        }
      : {}),
    ...(presign ? { presign: async (method, key, options) => presign(method, wrap(key), options) } : {}),
    ...(port.close ? { close: () => port.close!() } : {}),
  };
}
