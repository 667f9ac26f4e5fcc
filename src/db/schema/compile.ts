/**
 * Compiles attribute definitions (shorthand strings, zod schemas, nested objects) into one zod object
 * schema plus the flat list of leaf fields the metadata encoding works from.
 */
import { z } from 'zod';
import { bkError } from '../../errors.js';
import { parseShorthand } from './shorthand.js';
import type { AttributeDefinition, Attributes, CompiledSchema, FieldSpec, FieldType } from './types.js';

const NAME = /^[^.]+$/;

/**
 * Compiles a resource's attributes. Throws `InvalidArgument` naming the path of a bad definition.
 *
 * @example
 * ```ts
 * const schema = compileSchema({
 *   email: 'string|required|email',
 *   profile: { bio: 'string|max:500', age: 'number|min:0' },
 *   token: 'secret',
 * });
 * const user = schema.validate({ email: 'ada@example.com', profile: { age: 36 } });
 * schema.fields.map((f) => f.path); // ['email', 'profile.bio', 'profile.age', 'token']
 * ```
 */
export function compileSchema(attributes: Attributes): CompiledSchema {
  if (typeof attributes !== 'object' || attributes === null || isZod(attributes)) {
    throw bkError('InvalidArgument', 'attributes must be an object of field name → definition', {
      details: { attributes },
    });
  }
  const fields: FieldSpec[] = [];
  const { zod } = compileObject(attributes, '', fields);
  const secretPaths = fields.filter((field) => field.secret).map((field) => field.path);
  return {
    zod,
    fields,
    secretPaths,
    validate(input: unknown): Record<string, unknown> {
      const result = zod.safeParse(input);
      if (result.success) return result.data as Record<string, unknown>;
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(record)',
        code: issue.code,
        message: issue.message,
      }));
      const first = issues[0]!;
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s) in details.issues)` : '';
      throw bkError('InvalidArgument', `${first.path}: ${first.message}${more}`, { details: { issues } });
    },
  };
}

function compileObject(
  attributes: Attributes,
  prefix: string,
  fields: FieldSpec[],
): { zod: z.ZodObject; required: boolean } {
  const shape: Record<string, z.ZodType> = {};
  let required = false;
  for (const [name, definition] of Object.entries(attributes)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (!NAME.test(name) || name === '__proto__') {
      throw bkError(
        'InvalidArgument',
        `field name "${path}" is invalid: names are non-empty and have no "."`,
        {
          details: { path },
        },
      );
    }
    const compiled = compileDefinition(definition, path, fields);
    shape[name] = compiled.zod;
    required ||= compiled.required;
  }
  return { zod: z.object(shape), required };
}

function compileDefinition(
  definition: AttributeDefinition,
  path: string,
  fields: FieldSpec[],
): { zod: z.ZodType; required: boolean } {
  if (typeof definition === 'string') {
    const { zod, ...spec } = parseShorthand(definition, path);
    fields.push({ path, ...spec });
    return { zod, required: spec.required };
  }
  if (isZod(definition)) {
    const spec = describeZod(definition, path);
    fields.push(spec);
    return { zod: definition, required: spec.required };
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw bkError(
      'InvalidArgument',
      `${path}: a definition is a shorthand string, a zod schema or an object`,
      {
        details: { path },
      },
    );
  }
  if (Object.keys(definition).length === 0) {
    const { zod, ...spec } = parseShorthand('object', path);
    fields.push({ path, ...spec });
    return { zod, required: false };
  }
  const nested = compileObject(definition as Attributes, path, fields);
  return { zod: nested.required ? nested.zod : nested.zod.optional(), required: nested.required };
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/**
 * Marks a zod string schema as a secret field, encrypted at rest like the `'secret'` shorthand.
 *
 * @example
 * ```ts
 * compileSchema({ apiKey: secret(z.string().min(20)), pin: secret().optional() }).secretPaths; // ['apiKey', 'pin']
 * ```
 */
export function secret<T extends z.ZodType<string>>(schema?: T): T {
  return ((schema ?? z.string()) as T).meta({ secret: true }) as T;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  format?: string;
  checks?: { _zod: { def: { format?: string } } }[];
}

/** Reads the field type of a zod schema through its wrappers (optional, default, pipes...). */
function describeZod(schema: z.ZodType, path: string): FieldSpec {
  let current = schema;
  let secretField = false;
  for (let depth = 0; depth < 32; depth++) {
    if ((current.meta() as { secret?: unknown } | undefined)?.secret === true) secretField = true;
    const def = current._zod.def as unknown as ZodDef;
    const inner = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : undefined;
    if (!inner) break;
    current = inner;
  }
  const def = current._zod.def as unknown as ZodDef;
  const type = secretField ? 'secret' : zodType(def);
  const items =
    def.type === 'array' && def.element ? zodType(def.element._zod.def as unknown as ZodDef) : undefined;
  return {
    path,
    type,
    required: !schema.safeParse(undefined).success,
    secret: secretField,
    ...(items === undefined ? {} : { items }),
  };
}

function zodType(def: ZodDef): FieldType {
  switch (def.type) {
    case 'string':
      switch (def.format) {
        case 'email':
          return 'email';
        case 'uuid':
        case 'guid':
          return 'uuid';
        case 'date':
          return 'date';
        case 'datetime':
          return 'datetime';
        default:
          return 'string';
      }
    case 'number':
      return def.format === 'safeint' || def.checks?.some((c) => c._zod.def.format === 'safeint')
        ? 'integer'
        : 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
    case 'record':
      return 'object';
    default:
      return 'any';
  }
}
