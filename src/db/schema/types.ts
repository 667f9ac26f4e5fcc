/**
 * The public types of schemas: attribute definitions, compiled field descriptions, and the record
 * types inferred from shorthand strings and zod schemas at compile time.
 */
import type { z } from 'zod';

/**
 * A shorthand string (`'string|required|email'`, `'number|min:0'`, `'secret'`, `'embedding:128'`,
 * `'array|items:string'`, `'boolean|default:true'`, `'date'`, `'datetime'`, `'uuid'`, `'json'`, `'any'`),
 * a zod schema, or a nested object of them. Shorthand fields are optional (and nullable) unless they say
 * `required`; a nested object is required when one of its fields is.
 */
export type AttributeDefinition = string | z.ZodType | { readonly [name: string]: AttributeDefinition };

/** The attributes of a resource: field name → definition. */
export type Attributes = { readonly [name: string]: AttributeDefinition };

export type FieldType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'uuid'
  | 'email'
  | 'secret'
  | 'embedding'
  | 'array'
  | 'object'
  | 'json'
  | 'any';

/** One leaf field of a compiled schema. */
export interface FieldSpec {
  /** Dot path, e.g. `profile.bio`. */
  path: string;
  type: FieldType;
  required: boolean;
  secret: boolean;
  /** The N of `embedding:N`. */
  dimensions?: number;
  /** The item type of an array or embedding. */
  items?: FieldType;
}

/** A schema ready to validate records and to drive the metadata encoding. */
export interface CompiledSchema {
  readonly zod: z.ZodType;
  /** Leaf fields in a stable order (the order of the attributes, depth first). */
  readonly fields: readonly FieldSpec[];
  readonly secretPaths: readonly string[];
  /**
   * Validates and normalizes (defaults applied, datetimes made canonical ISO) a whole record. Throws
   * `BucketkitError('InvalidArgument')` whose message names the path (`profile.email: invalid email`)
   * and whose `details.issues` lists every problem.
   */
  validate(input: unknown): Record<string, unknown>;
}

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
type Tokens<S extends string> = S extends `${infer H}|${infer R}` ? [Trim<H>, ...Tokens<R>] : [Trim<S>];
type Head<S extends string> = Tokens<S>[0] extends `${infer T}:${string}` ? T : Tokens<S>[0];
type HasRule<S extends string, R extends string> = R extends Tokens<S>[number] ? true : false;
type HasDefault<S extends string> =
  Extract<Tokens<S>[number], `default:${string}`> extends never ? false : true;
type ItemsOf<S extends string> =
  Extract<Tokens<S>[number], `items:${string}`> extends `items:${infer T}` ? ScalarOf<T> : unknown;

type ScalarOf<T extends string> = T extends 'string' | 'email' | 'uuid' | 'secret' | 'date' | 'datetime'
  ? string
  : T extends 'number' | 'integer' | 'int'
    ? number
    : T extends 'boolean' | 'bool'
      ? boolean
      : T extends 'embedding'
        ? number[]
        : T extends 'object'
          ? Record<string, unknown>
          : unknown;

/** The value type a shorthand string describes (without optionality). */
export type ShorthandValue<S extends string> = Head<S> extends 'array' ? ItemsOf<S>[] : ScalarOf<Head<S>>;

type IsRequired<D> = D extends string
  ? HasRule<D, 'required'>
  : D extends z.ZodType
    ? undefined extends z.output<D>
      ? false
      : true
    : D extends { readonly [name: string]: unknown }
      ? true extends { [K in keyof D]: IsRequired<D[K]> }[keyof D]
        ? true
        : false
      : false;

/** Present on every validated record: required, or with a default. */
type IsPresent<D> = D extends string ? (HasDefault<D> extends true ? true : IsRequired<D>) : IsRequired<D>;

type ValueOf<D, Mode> = D extends string
  ? HasRule<D, 'required'> extends true
    ? ShorthandValue<D>
    : ShorthandValue<D> | null
  : D extends z.ZodType
    ? Mode extends 'input'
      ? z.input<D>
      : z.output<D>
    : D extends Attributes
      ? Shape<D, Mode>
      : never;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

type Shape<A extends Attributes, Mode> = Flatten<
  {
    -readonly [K in keyof A as (Mode extends 'input' ? IsRequired<A[K]> : IsPresent<A[K]>) extends true
      ? K
      : never]: ValueOf<A[K], Mode>;
  } & {
    -readonly [K in keyof A as (Mode extends 'input' ? IsRequired<A[K]> : IsPresent<A[K]>) extends true
      ? never
      : K]?: ValueOf<A[K], Mode>;
  }
>;

/**
 * The TypeScript record type a schema describes, as `validate` returns it (fields with defaults present).
 *
 * @example
 * ```ts
 * const attributes = { name: 'string|required', age: 'number|min:0', tags: 'array|items:string' } as const;
 * type User = InferRecord<typeof attributes>; // { name: string; age?: number | null; tags?: string[] | null }
 * ```
 */
export type InferRecord<A extends Attributes> = Shape<A, 'output'>;

/**
 * The record type a caller may pass to `validate` (fields with defaults may be left out).
 *
 * @example
 * ```ts
 * type NewUser = InferInput<{ active: 'boolean|default:true' }>; // { active?: boolean | null }
 * ```
 */
export type InferInput<A extends Attributes> = Shape<A, 'input'>;
