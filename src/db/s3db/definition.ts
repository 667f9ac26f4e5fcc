/**
 * The bucketkit definition of an s3db.js resource: each s3db.js type as a bucketkit shorthand that
 * accepts every value s3db.js returns for it, and the partitions bucketkit can serve.
 */
import { BEHAVIORS, type BehaviorName } from '../encoding/index.js';
import type { Attributes } from '../schema/index.js';
import type { S3dbResourceInfo } from './catalog.js';

/** An s3db.js definition string → a bucketkit shorthand that accepts every value s3db.js stored. */
function shorthand(definition: string): string {
  const required = /\|required\b/.test(definition) ? '|required' : '';
  const [type = ''] = definition.split(/[|:]/);
  if (type === 'secret') return `secret${required}`;
  if (type === 'array' || type === 'embedding') {
    const items =
      /items:number/.test(definition) || type === 'embedding'
        ? '|items:number'
        : /items:string/.test(definition)
          ? '|items:string'
          : '';
    return `array${items}${required}`;
  }
  if (type === 'number') return `${/\|integer\b/.test(definition) ? 'integer' : 'number'}${required}`;
  if (['money', 'crypto', 'decimal', 'geo'].includes(type) && !definition.startsWith('geo:point'))
    return `number${required}`;
  if (type === 'boolean' || type === 'bool') return `boolean${required}`;
  if (type === 'datetime') return `datetime${required}`;
  if (type === 'json' || type === 'object' || type === 'any' || type === 'geo') return `json${required}`;
  return `string${required}`;
}

/** The bucketkit definition of an s3db.js resource (timestamps kept as bucketkit's own). */
export function bucketkitDefinition(info: S3dbResourceInfo) {
  const attributes: Record<string, unknown> = {};
  for (const [path, definition] of Object.entries(info.attributes)) {
    if (info.timestamps && (path === 'createdAt' || path === 'updatedAt')) continue;
    const parts = path.split('.');
    let target = attributes;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = shorthand(definition);
  }
  const partitions: Record<string, string[]> = {};
  for (const [name, fields] of Object.entries(info.partitions)) {
    // date and maxlength rules store a changed value: such partitions cannot be queried by the record's value
    const plain = Object.values(fields).every((rule) => !/date|maxlength/.test(rule));
    if (plain && Object.keys(fields).every((f) => f in info.attributes))
      partitions[name] = Object.keys(fields).sort();
  }
  const behavior = (BEHAVIORS as readonly string[]).includes(info.behavior)
    ? (info.behavior as BehaviorName)
    : 'body-overflow';
  return {
    name: info.name,
    attributes: attributes as Attributes,
    behavior,
    partitions,
    timestamps: info.timestamps,
  };
}
