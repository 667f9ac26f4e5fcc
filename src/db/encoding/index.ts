/**
 * bucketkit/db metadata encoding: records ↔ S3 user metadata plus an optional JSON body, with short
 * base36 attribute ids, a `v-` schema version, compact unambiguous value encodings, exact byte counting
 * and the five s3db behaviours.
 *
 * @example
 * ```ts
 * import { decodeRecord, encodeRecord, extendAttributeMap } from './encoding/index.js';
 * const { map } = extendAttributeMap({}, 0, schema.fields.map((f) => f.path));
 * const stored = await encodeRecord(schema.validate(input), { schema, map, version: 'v1', behavior: 'body-overflow' });
 * const record = await decodeRecord(stored, { schema, map });
 * ```
 */
export { type AttributeMap, extendAttributeMap } from './attribute-map.js';
export {
  BEHAVIORS,
  type BehaviorName,
  BODY_KEY,
  type ExceedsLimit,
  TRUNCATED_KEY,
  VERSION_KEY,
} from './behaviors.js';
export { METADATA_LIMIT, metadataBytes } from './limits.js';
export { type DecodeContext, decodeRecord, type EncodeContext, encodeRecord } from './record.js';
export { hasBodyFields, isTruncated, type StoredRecord, storedVersion } from './stored.js';
export { DICTIONARY, decodeValue, encodeString, encodeValue, stringifyJson, URL_PREFIXES } from './values.js';
