/**
 * Reading the stored form: system keys (`v-`, `o-`, `t-`) and the flat id → value view of metadata and
 * body that decoding starts from.
 */
import { bkError } from '../../errors.js';
import { type AttributeMap, reverseMap } from './attribute-map.js';
import { fromUtf8 } from './base.js';
import { BODY_KEY, TRUNCATED_KEY, VERSION_KEY } from './behaviors.js';
import { decodeValue } from './values.js';

const MARKER = /^~o([1-9][0-9]?)$/;

/** What is written for one record: user metadata and, when the behaviour needs one, a JSON body. */
export interface StoredRecord {
  metadata: Record<string, string>;
  body?: Uint8Array;
}

/**
 * The schema version a stored record was written with (its `v-` metadata), if any.
 *
 * @example
 * ```ts
 * storedVersion((await port.head(key)).metadata); // 'v3'
 * ```
 */
export function storedVersion(metadata: Record<string, string>): string | undefined {
  const token = systemValue(metadata, VERSION_KEY);
  if (token === undefined) return undefined;
  const version = decodeValue(token);
  return typeof version === 'string' ? version : undefined;
}

/**
 * True when `truncate-data` cut or dropped fields of this record.
 *
 * @example
 * ```ts
 * if (isTruncated(got.metadata)) console.warn('partial record');
 * ```
 */
export function isTruncated(metadata: Record<string, string>): boolean {
  return systemValue(metadata, TRUNCATED_KEY) === '1';
}

/**
 * True when the object's body holds record fields, so it is not free for binary content.
 *
 * @example
 * ```ts
 * const body = hasBodyFields(info.metadata) ? await got.bytes() : undefined;
 * ```
 */
export function hasBodyFields(metadata: Record<string, string>): boolean {
  return systemValue(metadata, BODY_KEY) === '1';
}

/** A system key's value; `v_` is read as `v-` too, since servers differ on `_` in metadata keys. */
function systemValue(metadata: Record<string, string>, key: string): string | undefined {
  return metadata[key] ?? metadata[key.replace('-', '_')];
}

/** Path → decoded (still encrypted) value, and marker leaf → depth, from metadata and body. */
export function decodeFlat(
  stored: StoredRecord,
  map: AttributeMap,
): { values: Map<string, unknown>; markers: Map<string, number> } {
  const paths = reverseMap(map);
  const values = new Map<string, unknown>();
  const markers = new Map<string, number>();
  for (const [rawKey, token] of Object.entries(stored.metadata)) {
    const path = paths.get(rawKey);
    if (path === undefined) continue;
    const marker = MARKER.exec(token);
    if (marker) markers.set(path, Number(marker[1]));
    else values.set(path, decodeValue(token));
  }
  if (!hasBodyFields(stored.metadata)) return { values, markers };
  if (!stored.body) throw bkError('Corrupt', 'the record keeps fields in its body, but no body was given');
  let body: unknown;
  try {
    body = JSON.parse(fromUtf8(stored.body));
  } catch (cause) {
    throw bkError('Corrupt', 'the record body is not the JSON bucketkit wrote', { cause });
  }
  if (!isObject(body)) throw bkError('Corrupt', 'the record body is not a JSON object');
  for (const [key, value] of Object.entries(body)) {
    const isMarker = key.endsWith('!');
    const path = paths.get(isMarker ? key.slice(0, -1) : key);
    if (path === undefined) continue;
    if (!isMarker) values.set(path, value);
    else if (Number.isSafeInteger(value) && (value as number) > 0) markers.set(path, value as number);
    else throw bkError('Corrupt', `the record body has a bad object marker for "${path}"`);
  }
  return { values, markers };
}

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
