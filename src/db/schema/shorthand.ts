/**
 * s3db-style shorthand attribute strings (`'string|required|email'`, `'number|min:0'`, `'embedding:128'`)
 * parsed into a field description and the zod schema that validates it.
 */
import { z } from 'zod';
import { bkError } from '../../errors.js';
import type { FieldType } from './types.js';

/** What one shorthand string says about its field. */
export interface ParsedShorthand {
  type: FieldType;
  required: boolean;
  secret: boolean;
  dimensions?: number;
  items?: FieldType;
  zod: z.ZodType;
}

const TYPE_ALIASES: Readonly<Record<string, FieldType>> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  int: 'integer',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
  datetime: 'datetime',
  uuid: 'uuid',
  email: 'email',
  secret: 'secret',
  embedding: 'embedding',
  array: 'array',
  object: 'object',
  json: 'json',
  any: 'any',
};

const ITEM_TYPES: ReadonlySet<FieldType> = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'uuid',
  'email',
  'object',
  'json',
  'any',
]);

interface Rules {
  required: boolean;
  min?: number;
  max?: number;
  length?: number;
  integer: boolean;
  positive: boolean;
  negative: boolean;
  trim: boolean;
  unique: boolean;
  items?: FieldType;
  default?: string;
  /** A string refinement written as a rule: `'string|email'`. */
  format?: FieldType;
}

/**
 * Parses a shorthand string. Tokens are separated by `|`; the first names the type (with an optional
 * `:argument`, as in `embedding:128`), the others are rules. Unknown types or rules are `InvalidArgument`.
 *
 * @example
 * ```ts
 * parseShorthand('number|min:0', 'age'); // { type: 'number', required: false, zod: ... }
 * ```
 */
export function parseShorthand(definition: string, path: string): ParsedShorthand {
  const tokens = definition.split('|').map((token) => token.trim());
  const [head = '', ...rest] = tokens;
  const [typeName = '', typeArg] = splitToken(head);
  let type = TYPE_ALIASES[typeName.toLowerCase()];
  if (!type) {
    throw invalid(path, `unknown type "${typeName}" in "${definition}"`, {
      known: Object.keys(TYPE_ALIASES),
    });
  }
  const rules = parseRules(rest, path, definition);
  if (rules.format && rules.format !== type) {
    if (type !== 'string') throw invalid(path, `"${rules.format}" refines strings, not ${type}`);
    type = rules.format;
  }
  if (type === 'number' && rules.integer) type = 'integer';
  let dimensions: number | undefined;
  if (type === 'embedding' && typeArg !== undefined) dimensions = count(typeArg, path, 'embedding:N');
  else if (typeArg !== undefined) throw invalid(path, `type "${typeName}" takes no ":${typeArg}" argument`);
  if (rules.items && type !== 'array') throw invalid(path, '"items:" applies only to arrays');
  const items = type === 'array' ? (rules.items ?? 'any') : type === 'embedding' ? 'number' : undefined;

  let zod = baseSchema(type, items, dimensions, rules, path);
  if (rules.default !== undefined) {
    const fallback = parseDefault(rules.default, type, path) as never;
    zod = rules.required ? zod.default(fallback) : zod.nullable().default(fallback);
  } else if (!rules.required) {
    zod = zod.nullish();
  }
  return {
    type,
    required: rules.required,
    secret: type === 'secret',
    ...(dimensions === undefined ? {} : { dimensions }),
    ...(items === undefined ? {} : { items }),
    zod,
  };
}

function parseRules(tokens: string[], path: string, definition: string): Rules {
  const rules: Rules = {
    required: false,
    integer: false,
    positive: false,
    negative: false,
    trim: false,
    unique: false,
  };
  for (const token of tokens) {
    const [name = '', arg] = splitToken(token);
    switch (name.toLowerCase()) {
      case 'required':
        rules.required = true;
        break;
      case 'optional':
        rules.required = false;
        break;
      case 'min':
        rules.min = number(arg, path, token);
        break;
      case 'max':
        rules.max = number(arg, path, token);
        break;
      case 'length':
        rules.length = count(arg, path, token);
        break;
      case 'integer':
        rules.integer = true;
        break;
      case 'positive':
        rules.positive = true;
        break;
      case 'negative':
        rules.negative = true;
        break;
      case 'trim':
        rules.trim = true;
        break;
      case 'unique':
        rules.unique = true;
        break;
      case 'email':
      case 'uuid':
      case 'date':
      case 'datetime':
      case 'secret':
        if (arg !== undefined) throw invalid(path, `"${token}" takes no argument`);
        rules.format = name.toLowerCase() as FieldType;
        break;
      case 'items': {
        const item = TYPE_ALIASES[(arg ?? '').toLowerCase()];
        if (!item || !ITEM_TYPES.has(item)) throw invalid(path, `"${token}" is not a supported item type`);
        rules.items = item;
        break;
      }
      case 'default':
        if (arg === undefined) throw invalid(path, '"default" needs a value, as in "default:true"');
        rules.default = arg;
        break;
      default:
        throw invalid(path, `unknown rule "${token}" in "${definition}"`);
    }
  }
  return rules;
}

function baseSchema(
  type: FieldType,
  items: FieldType | undefined,
  dimensions: number | undefined,
  rules: Rules,
  path: string,
): z.ZodType {
  switch (type) {
    case 'string':
    case 'secret':
    case 'email': {
      let schema = type === 'email' ? z.email() : z.string();
      if (rules.trim) schema = schema.trim();
      if (rules.min !== undefined) schema = schema.min(rules.min);
      if (rules.max !== undefined) schema = schema.max(rules.max);
      if (rules.length !== undefined) schema = schema.length(rules.length);
      return schema;
    }
    case 'number':
    case 'integer': {
      let schema = type === 'integer' || rules.integer ? z.int() : z.number();
      if (rules.min !== undefined) schema = schema.min(rules.min);
      if (rules.max !== undefined) schema = schema.max(rules.max);
      if (rules.positive) schema = schema.positive();
      if (rules.negative) schema = schema.negative();
      return schema;
    }
    case 'embedding':
    case 'array': {
      let schema = z.array(type === 'embedding' ? z.number() : itemSchema(items ?? 'any'));
      const length = dimensions ?? rules.length;
      if (length !== undefined) schema = schema.length(length);
      if (rules.min !== undefined) schema = schema.min(rules.min);
      if (rules.max !== undefined) schema = schema.max(rules.max);
      if (!rules.unique) return schema;
      return schema.refine(
        (values) => new Set(values.map((v) => JSON.stringify(v))).size === values.length,
        'items must be unique',
      );
    }
    case 'boolean':
    case 'date':
    case 'datetime':
    case 'uuid':
    case 'object':
    case 'json':
    case 'any':
      if (rules.min !== undefined || rules.max !== undefined || rules.length !== undefined) {
        throw invalid(path, `min/max/length do not apply to type "${type}"`);
      }
      return itemSchema(type);
  }
}

/** The schema of a scalar type, also used for array items. */
function itemSchema(type: FieldType): z.ZodType {
  switch (type) {
    case 'string':
    case 'secret':
      return z.string();
    case 'email':
      return z.email();
    case 'number':
      return z.number();
    case 'integer':
      return z.int();
    case 'boolean':
      return z.boolean();
    case 'uuid':
      return z.guid();
    case 'date':
      return z
        .union([z.iso.date(), z.date()])
        .transform((value) => (typeof value === 'string' ? value : value.toISOString().slice(0, 10)));
    case 'datetime':
      // normalized to the canonical ISO form, which the metadata encoding stores in 10 bytes
      return z
        .union([z.iso.datetime({ offset: true }), z.date()])
        .transform((value) => new Date(value).toISOString());
    case 'object':
      return z.record(z.string(), z.json());
    case 'json':
      return z.json();
    default:
      return z.unknown();
  }
}

function parseDefault(text: string, type: FieldType, path: string): unknown {
  switch (type) {
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw invalid(path, `default "${text}" is not a boolean (true or false)`);
    case 'number':
    case 'integer':
      return number(text, path, `default:${text}`);
    case 'string':
    case 'email':
    case 'uuid':
    case 'date':
    case 'datetime':
      return text;
    default:
      try {
        return JSON.parse(text);
      } catch {
        throw invalid(path, `default "${text}" of a ${type} field must be JSON`);
      }
  }
}

function splitToken(token: string): [string, string | undefined] {
  const colon = token.indexOf(':');
  return colon < 0 ? [token, undefined] : [token.slice(0, colon), token.slice(colon + 1)];
}

function number(text: string | undefined, path: string, token: string): number {
  const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw invalid(path, `"${token}" needs a number`);
  return value;
}

function count(text: string | undefined, path: string, token: string): number {
  const value = number(text, path, token);
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(path, `"${token}" needs a whole number ≥ 0`);
  return value;
}

function invalid(path: string, message: string, details: Record<string, unknown> = {}) {
  return bkError('InvalidArgument', `${path}: ${message}`, { details: { path, ...details } });
}
