/**
 * Partition index entries: empty objects at
 * `resource=<r>/partition=<p>/<field>=<escaped value>/.../id=<id>`. A record with no value for a
 * partition's field has no entry in that partition.
 */
import { bkError } from '../errors.js';
import { conditionOf, type Filter, getPath } from './filter.js';
import { assertValidName, escapeValue, partitionPrefix } from './keys.js';

/** Partition name → the fields (dot paths) it indexes, in key order. */
export type PartitionDefinitions = Readonly<Record<string, readonly string[]>>;

/** Checks names and that every field is one of `paths`. */
export function validatePartitions(partitions: PartitionDefinitions, paths: ReadonlySet<string>): void {
  for (const [name, fields] of Object.entries(partitions)) {
    assertValidName(name, 'partition');
    if (!Array.isArray(fields) || fields.length === 0) {
      throw bkError('InvalidArgument', `partition "${name}" needs a non-empty array of fields`, {
        details: { partition: name },
      });
    }
    for (const field of fields) {
      if (!paths.has(field)) {
        throw bkError('InvalidArgument', `partition "${name}" uses "${field}", which is not an attribute`, {
          details: { partition: name, field, attributes: [...paths] },
        });
      }
    }
  }
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The index entry keys of `record` under `id`, one per partition it has values for. */
export function entryKeys(
  resource: string,
  partitions: PartitionDefinitions,
  record: Readonly<Record<string, unknown>>,
  id: string,
): string[] {
  const keys: string[] = [];
  for (const [name, fields] of Object.entries(partitions)) {
    let key = partitionPrefix(resource, name);
    let complete = true;
    for (const field of fields) {
      const value = getPath(record, field);
      if (value === undefined || value === null) {
        complete = false;
        break;
      }
      key += `${field}=${escapeValue(valueText(value))}/`;
    }
    if (complete) keys.push(`${key}id=${id}`);
  }
  return keys;
}

/** A partition that answers (part of) a filter: the LIST prefixes to read and the fields they cover. */
export interface PartitionPlan {
  partition: string;
  prefixes: string[];
  fields: string[];
}

const MAX_IN_VALUES = 32;

/**
 * Picks the partition whose leading fields the filter fixes (by equality or a short `in`) and that
 * covers the most fields; `undefined` when none fits and the query must scan.
 */
export function planPartition(
  resource: string,
  partitions: PartitionDefinitions,
  filter: Filter,
): PartitionPlan | undefined {
  let best: PartitionPlan | undefined;
  for (const [name, fields] of Object.entries(partitions)) {
    let prefixes = [partitionPrefix(resource, name)];
    const covered: string[] = [];
    for (const field of fields) {
      if (!(field in filter)) break;
      const c = conditionOf(filter[field]);
      const values = 'eq' in c ? [c.eq] : c.in && c.in.length <= MAX_IN_VALUES ? [...c.in] : undefined;
      if (!values || values.some((v) => v === null || v === undefined)) break;
      prefixes = prefixes.flatMap((p) => values.map((v) => `${p}${field}=${escapeValue(valueText(v))}/`));
      covered.push(field);
    }
    if (covered.length === 0) continue;
    if (!best || covered.length > best.fields.length) best = { partition: name, prefixes, fields: covered };
  }
  return best;
}
