/**
 * The on-storage layout of the database. Every prefix ends with a separator so `user` never lists
 * `users` and `US` never lists `USA`.
 */
import { bkError } from '../errors.js';

/** The catalog object, at the root of the database's port. */
export const CATALOG_KEY = 'bucketkit-db.json';

const encoder = new TextEncoder();
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const FORBIDDEN = /[/\\=%\u0000-\u001f\u007f]/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Throws `InvalidArgument` unless `id` is 1 to 255 UTF-8 bytes without `/`, `\`, `=`, `%` or control characters. */
export function assertValidId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw bkError('InvalidArgument', 'a record id must be a non-empty string', { details: { id } });
  }
  if (FORBIDDEN.test(id)) {
    throw bkError(
      'InvalidArgument',
      'a record id may not contain "/", "\\", "=", "%" or control characters',
      {
        details: { id },
      },
    );
  }
  // a UTF-16 code unit is at most 3 UTF-8 bytes: short ids need no encoding to be measured
  if (id.length > 85 && encoder.encode(id).length > 255) {
    throw bkError('InvalidArgument', 'a record id may be at most 255 UTF-8 bytes', { details: { id } });
  }
}

/** Throws `InvalidArgument` unless `name` is a resource or partition name (`A-Za-z0-9_-`, ≤ 64). */
export function assertValidName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw bkError(
      'InvalidArgument',
      `a ${what} name must be 1-64 characters of A-Z, a-z, 0-9, "_" and "-", starting with a letter or digit`,
      { details: { name } },
    );
  }
}

/** `resource=<r>/`: everything a resource owns. */
export function resourcePrefix(resource: string): string {
  return `resource=${resource}/`;
}

/** `resource=<r>/data/id=`: the prefix of the records. */
export function dataPrefix(resource: string): string {
  return `${resourcePrefix(resource)}data/id=`;
}

/** `resource=<r>/data/id=<id>`: a record. */
export function recordKey(resource: string, id: string): string {
  return `${dataPrefix(resource)}${id}`;
}

/** `resource=<r>/trash/id=`: soft-deleted records of a paranoid resource. */
export function trashPrefix(resource: string): string {
  return `${resourcePrefix(resource)}trash/id=`;
}

export function trashKey(resource: string, id: string): string {
  return `${trashPrefix(resource)}${id}`;
}

/** `resource=<r>/content/id=<id>`: the binary content of a record, apart from its encoded body. */
export function contentKey(resource: string, id: string): string {
  return `${resourcePrefix(resource)}content/id=${id}`;
}

/** `resource=<r>/partition=<p>/`: one partition's index entries. */
export function partitionPrefix(resource: string, partition: string): string {
  return `${resourcePrefix(resource)}partition=${partition}/`;
}

/**
 * Escapes a partition value for a key: `/`, `=`, `%`, unicode and control characters are
 * percent-encoded (UTF-8), so any value is safe and decodes back exactly.
 */
export function escapeValue(value: string): string {
  return encodeURIComponent(value);
}

export function unescapeValue(value: string): string {
  return decodeURIComponent(value);
}

/** The id at the end of a record, trash or partition-entry key, or `undefined` for a foreign key. */
export function idFromKey(key: string): string | undefined {
  const at = key.lastIndexOf('/id=');
  return at < 0 ? undefined : key.slice(at + 4);
}
