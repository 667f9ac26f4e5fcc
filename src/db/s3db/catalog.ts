/**
 * `s3db.json`, the catalog s3db.js keeps at the root of its key prefix: the resources, their current
 * version's attributes, behaviour, partitions, and the attribute → metadata key map.
 */
import { bkError } from '../../errors.js';
import { attributeKey } from './values.js';

/** One resource of an s3db.js bucket, as its catalog describes it. */
export interface S3dbResourceInfo {
  name: string;
  /** The version records are read with (s3db.js reads every record with the current one). */
  version: string;
  behavior: string;
  timestamps: boolean;
  /** Attribute path (dot path for nested fields) → its definition string (`'number|integer'`). */
  attributes: Record<string, string>;
  /** Partition name → field → rule (`'string'`, `'date|maxlength:10'`). */
  partitions: Record<string, Record<string, string>>;
  /** Attribute path → its metadata key (base36 of its registry index). */
  map: Record<string, string>;
  /** `user` or `plugin` (resources that s3db.js plugins created for themselves). */
  createdBy: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Nested attribute objects → dot paths; `$$type` and other `$` keys describe the object itself. */
function flatten(attributes: Json, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [name, definition] of Object.entries(attributes)) {
    if (name.startsWith('$')) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof definition === 'string') out[path] = definition;
    else if (isObject(definition) && definition.type === undefined) flatten(definition, path, out);
    else if (isObject(definition)) out[path] = objectForm(definition);
  }
  return out;
}

/**
 * A `{ type, ... }` definition as the definition string s3db.js 21.x reads it with: it derives its type
 * steps from the flattened attributes (`<path>.type`, `<path>.optional`...), so such an attribute gets
 * none: its values are stored as given and read back as text (JSON parsed), except arrays with `items`,
 * whose items it encodes.
 */
function objectForm(definition: Json): string {
  if (definition.type === 'array' && typeof definition.items === 'string')
    return `array|items:${definition.items}`;
  return definition.type === 'array' ? 'array' : 'any';
}

/**
 * Parses `s3db.json`. Throws `Corrupt` naming what is wrong when it is not the catalog of s3db.js.
 *
 * @example
 * ```ts
 * const resources = parseS3dbCatalog(await (await port.get('s3db.json')).text());
 * resources.users?.map; // { name: '0', email: '1', ... }
 * ```
 */
export function parseS3dbCatalog(text: string): Record<string, S3dbResourceInfo> {
  let catalog: unknown;
  try {
    catalog = JSON.parse(text);
  } catch (error) {
    throw bkError('Corrupt', 's3db.json is not JSON; is this the key prefix s3db.js wrote?', {
      cause: error,
    });
  }
  if (!isObject(catalog) || !isObject(catalog.resources)) {
    throw bkError('Corrupt', 's3db.json has no "resources" object; is this the key prefix s3db.js wrote?');
  }
  const out: Record<string, S3dbResourceInfo> = {};
  for (const [name, entry] of Object.entries(catalog.resources)) {
    if (!isObject(entry) || !isObject(entry.versions)) continue;
    const version = String(entry.currentVersion ?? 'v1');
    const current = entry.versions[version];
    if (!isObject(current) || !isObject(current.attributes)) {
      throw bkError('Corrupt', `s3db.json: resource "${name}" has no version "${version}" with attributes`, {
        details: { resource: name, version },
      });
    }
    const attributes = flatten(current.attributes);
    const registry =
      isObject(entry.schemaRegistry) && isObject(entry.schemaRegistry.mapping)
        ? entry.schemaRegistry.mapping
        : undefined;
    let map: Record<string, string>;
    if (isObject(current.map))
      map = Object.fromEntries(Object.entries(current.map).map(([k, v]) => [k, String(v)]));
    else if (registry)
      map = Object.fromEntries(Object.entries(registry).map(([k, v]) => [k, attributeKey(Number(v))]));
    else {
      // catalogs older than the registry: keys in attribute order
      map = Object.fromEntries(Object.keys(attributes).map((path, i) => [path, attributeKey(i)]));
    }
    const partitions: Record<string, Record<string, string>> = {};
    for (const [partition, definition] of Object.entries(
      isObject(current.partitions) ? current.partitions : {},
    )) {
      if (isObject(definition) && isObject(definition.fields)) {
        partitions[partition] = Object.fromEntries(
          Object.entries(definition.fields).map(([f, rule]) => [f, String(rule)]),
        );
      }
    }
    out[name] = {
      name,
      version,
      behavior: String(current.behavior ?? 'user-managed'),
      timestamps: current.timestamps === true,
      attributes,
      partitions,
      map,
      createdBy: String(entry.createdBy ?? 'user'),
    };
  }
  return out;
}
