/**
 * bucketkit/db schemas: s3db-style shorthand strings and zod schemas, compiled into one validator and a
 * list of leaf fields for the metadata encoding.
 *
 * @example
 * ```ts
 * import { compileSchema, type InferRecord } from './schema/index.js';
 * const attributes = { name: 'string|required', tags: 'array|items:string' } as const;
 * const schema = compileSchema(attributes);
 * const user: InferRecord<typeof attributes> = schema.validate({ name: 'Ada' }) as InferRecord<typeof attributes>;
 * ```
 */
export { compileSchema, secret } from './compile.js';
export { type ParsedShorthand, parseShorthand } from './shorthand.js';
export type {
  AttributeDefinition,
  Attributes,
  CompiledSchema,
  FieldSpec,
  FieldType,
  InferInput,
  InferRecord,
  ShorthandValue,
} from './types.js';
