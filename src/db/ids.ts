/** Record id generation. */

/** Makes a new record id; may be async (e.g. a sequence held elsewhere). */
export type IdGenerator = () => string | Promise<string>;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';

/**
 * The default id generator: 22 random URL-safe characters (132 bits) from Web Crypto.
 *
 * @example
 * ```ts
 * const db = new Database({ connectionString: 'memory://app' });
 * await db.createResource({ name: 'users', attributes: { name: 'string' }, idGenerator: randomId });
 * ```
 */
export function randomId(size = 22): string {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/**
 * Time-ordered ids: 10 characters of milliseconds (base36, zero-padded) then 12 random ones, so
 * listing order is insertion order.
 *
 * @example
 * ```ts
 * await db.createResource({ name: 'events', attributes: { kind: 'string' }, idGenerator: sortableId });
 * ```
 */
export function sortableId(): string {
  return Date.now().toString(36).padStart(10, '0') + randomId(12);
}
