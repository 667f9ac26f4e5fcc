/**
 * The bucketkit definition of an s3db.js resource: each s3db.js type as a bucketkit shorthand that
 * accepts every value s3db.js returns for it, and the partitions bucketkit can serve.
 */
import { bkError } from '../../errors.js';
import { BEHAVIORS, type BehaviorName } from '../encoding/index.js';
import type { Attributes } from '../schema/index.js';
import { bytesBase64, isBytesType } from './binary.js';
import type { S3dbResourceInfo } from './catalog.js';

type Row = Record<string, unknown>;

/**
 * Every attribute type s3db.js 21.6.2 accepts (its own and its validator's that can be stored), with
 * the bucketkit type its values are kept as; bytes (`buffer`, `bits`) as base64 text.
 */
const KNOWN: Readonly<Record<string, string>> = {
  string: 'string',
  email: 'string',
  url: 'string',
  uuid: 'string',
  enum: 'string',
  date: 'string',
  dateonly: 'string',
  timeonly: 'string',
  mac: 'string',
  cidr: 'string',
  semver: 'string',
  phone: 'string',
  color: 'string',
  duration: 'string',
  cron: 'string',
  locale: 'string',
  currency: 'string',
  country: 'string',
  ean: 'string',
  ip4: 'string',
  ip6: 'string',
  password: 'string',
  text: 'string',
  buffer: 'string',
  bits: 'string',
  luhn: 'string',
  equal: 'string',
  objectID: 'string',
  forbidden: 'string',
  'geo-lat': 'string',
  'geo-lon': 'string',
  'geo-point': 'string',
  datetime: 'datetime',
  number: 'number',
  money: 'number',
  crypto: 'number',
  decimal: 'number',
  'geo:lat': 'number',
  'geo:lon': 'number',
  boolean: 'boolean',
  bool: 'boolean',
  secret: 'secret',
  secretAny: 'secret',
  secretNumber: 'secret',
  array: 'array',
  embedding: 'array',
  json: 'json',
  object: 'json',
  any: 'json',
  record: 'json',
  tuple: 'json',
  multi: 'json',
  'geo:point': 'json',
};

/** The type an s3db.js definition string names (`'money:3|optional'` → `money`, `'geo:lat:4'` → `geo:lat`). */
export function s3dbTypeOf(definition: string): string {
  const head = definition.split('|')[0]!.trim();
  return head.startsWith('geo:') ? head.split(':').slice(0, 2).join(':') : head.split(':')[0]!;
}

/**
 * `Unsupported` naming the first attribute of `info` whose type bucketkit does not know how s3db.js
 * stores (a newer s3db.js, a custom validator type): such values are never read as mere text.
 */
export function checkS3dbTypes(info: S3dbResourceInfo): void {
  for (const [path, definition] of Object.entries(info.attributes)) {
    const type = s3dbTypeOf(definition);
    if (KNOWN[type] === undefined) {
      throw bkError(
        'Unsupported',
        `the s3db.js resource "${info.name}" has attribute "${path}" of type "${type}", whose stored form bucketkit does not know; drop or convert that attribute with s3db.js first`,
        { details: { resource: info.name, attribute: path, type, definition } },
      );
    }
  }
}

/** An s3db.js definition string → a bucketkit shorthand that accepts every value s3db.js stored. */
function shorthand(definition: string): string {
  const required = /\|required\b/.test(definition) ? '|required' : '';
  const type = s3dbTypeOf(definition);
  const kept = KNOWN[type] ?? 'string';
  if (kept === 'array') {
    const items =
      /items:number/.test(definition) || type === 'embedding'
        ? '|items:number'
        : /items:string/.test(definition)
          ? '|items:string'
          : '';
    return `array${items}${required}`;
  }
  if (type === 'number') return `${/\|integer\b/.test(definition) ? 'integer' : 'number'}${required}`;
  return `${kept}${required}`;
}

/**
 * A record as the s3db.js reader returns it → as a bucketkit resource of `bucketkitDefinition(info)`
 * keeps it: bytes as base64 text, and a string attribute that s3db.js read as JSON (it parses any stored
 * `{…}` or `[…]`, whatever the type) as that JSON's text again.
 */
export function asBucketkitRecord(record: Record<string, unknown>, info: S3dbResourceInfo) {
  let out = record;
  for (const [path, definition] of Object.entries(info.attributes)) {
    const bytes = isBytesType(definition);
    if (!bytes && !shorthand(definition).startsWith('string')) continue;
    const parts = path.split('.');
    const parent = parts.slice(0, -1).reduce<unknown>((at, part) => (at as Row | undefined)?.[part], out);
    const value = (parent as Row | undefined)?.[parts.at(-1)!];
    let kept: string;
    if (bytes && value instanceof Uint8Array) kept = bytesBase64(value);
    else if (!bytes && isJsonValue(value)) kept = JSON.stringify(value);
    else continue;
    if (out === record) out = structuredClone(record);
    const target = parts.slice(0, -1).reduce((at, part) => at[part] as Row, out);
    target[parts.at(-1)!] = kept;
  }
  return out;
}

/** A plain object or array, as JSON.parse returns them (not a Date or bytes). */
const isJsonValue = (value: unknown) =>
  Array.isArray(value) ||
  (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype);

/** The bucketkit definition of an s3db.js resource (timestamps kept as bucketkit's own). */
export function bucketkitDefinition(info: S3dbResourceInfo) {
  checkS3dbTypes(info);
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
