/** Record filters for `resource.query()`: equality, `in`, `ne` and ranges on any (dot-path) field. */
import { bkError } from '../errors.js';

/** Conditions on one field. Ranges compare numbers with numbers and strings with strings. */
export interface FieldCondition {
  eq?: unknown;
  ne?: unknown;
  in?: readonly unknown[];
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
}

/**
 * A filter: field (a dot path such as `address.city`) → a value (equality) or a `FieldCondition`.
 * All entries must hold.
 *
 * @example
 * ```ts
 * await users.query({ 'address.country': 'PT', age: { gte: 18, lt: 65 }, plan: { in: ['pro', 'team'] } });
 * ```
 */
export type Filter = Readonly<Record<string, unknown>>;

const OPERATORS = new Set(['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte']);

/** The value at a dot path, or `undefined`. */
export function getPath(record: unknown, path: string): unknown {
  let value = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Splits a filter value into its condition (a bare value means equality). */
export function conditionOf(value: unknown): FieldCondition {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.keys(value).every((k) => OPERATORS.has(k))
  ) {
    const condition = value as FieldCondition;
    if (condition.in !== undefined && !Array.isArray(condition.in)) {
      throw bkError('InvalidArgument', '"in" takes an array of values', { details: { condition } });
    }
    return condition;
  }
  return { eq: value };
}

/** True when `record` satisfies every entry of `filter`. */
export function matches(record: unknown, filter: Filter): boolean {
  for (const [path, raw] of Object.entries(filter)) {
    const value = getPath(record, path);
    const c = conditionOf(raw);
    if ('eq' in c && !equal(value, c.eq)) return false;
    if ('ne' in c && equal(value, c.ne)) return false;
    if (c.in !== undefined && !c.in.some((v) => equal(value, v))) return false;
    if (c.gt !== undefined && !(comparable(value, c.gt) && (value as number) > (c.gt as number)))
      return false;
    if (c.gte !== undefined && !(comparable(value, c.gte) && (value as number) >= (c.gte as number)))
      return false;
    if (c.lt !== undefined && !(comparable(value, c.lt) && (value as number) < (c.lt as number)))
      return false;
    if (c.lte !== undefined && !(comparable(value, c.lte) && (value as number) <= (c.lte as number)))
      return false;
  }
  return true;
}

function comparable(value: unknown, bound: unknown): boolean {
  return (typeof value === 'number' || typeof value === 'string') && typeof value === typeof bound;
}

/** Deep equality of JSON-like values. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
