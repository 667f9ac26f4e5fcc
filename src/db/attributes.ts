/**
 * Attributes as the catalog keeps them: JSON-safe, with zod schemas turned into JSON Schema
 * (`{ $zod: ... }`) and back, so older versions can be compiled again to decode their records.
 */
import { z } from 'zod';
import { bkError } from '../errors.js';
import { type Attributes, secret } from './schema/index.js';

const isZod = (value: unknown): value is z.ZodType =>
  typeof value === 'object' && value !== null && '_zod' in value;

/** Attributes → their JSON-safe form (stable input for the version hash). */
export function serializeAttributes(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(attributes)) {
    if (typeof definition === 'string') out[name] = definition;
    else if (isZod(definition)) out[name] = { $zod: z.toJSONSchema(definition, { unrepresentable: 'any' }) };
    else out[name] = serializeAttributes(definition as Attributes);
  }
  return out;
}

/** The inverse of `serializeAttributes` (zod refinements and transforms are not kept). */
export function deserializeAttributes(stored: Record<string, unknown>): Attributes {
  const out: Record<string, Attributes[string]> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'object' && value !== null && '$zod' in value) {
      const json = (value as { $zod: Record<string, unknown> }).$zod;
      const schema = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
      out[name] = json.secret === true ? secret(schema as z.ZodType<string>) : schema;
    } else if (typeof value === 'object' && value !== null) {
      out[name] = deserializeAttributes(value as Record<string, unknown>);
    } else {
      throw bkError('Corrupt', `the catalog holds an unreadable definition for attribute "${name}"`, {
        details: { attribute: name, value },
      });
    }
  }
  return out;
}

/** Names the database fills in itself; a schema may not define them. */
export const RESERVED = ['id', 'createdAt', 'updatedAt'] as const;

/** The attributes a resource stores: the user's plus the timestamps when asked for. */
export function effectiveAttributes(attributes: Attributes, timestamps: boolean): Attributes {
  for (const name of RESERVED) {
    if (name in attributes) {
      throw bkError(
        'InvalidArgument',
        `"${name}" is set by the database; remove it from the attributes${name === 'id' ? '' : ' and use timestamps: true'}`,
        { details: { attribute: name } },
      );
    }
  }
  return timestamps ? { ...attributes, createdAt: 'datetime', updatedAt: 'datetime' } : attributes;
}
