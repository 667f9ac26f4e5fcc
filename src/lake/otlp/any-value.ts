import type { DecodedValue } from '../ingest/decoded.js';
import { type ProtoReader, WIRE } from './wire.js';

/** An OTLP `AnyValue` as plain JavaScript: arrays for `ArrayValue`, Maps (in order) for `KeyValueList`. */
export type OtlpValue = string | boolean | number | bigint | Uint8Array | OtlpValue[] | OtlpMap | null;
export type OtlpMap = Map<string, OtlpValue>;

/** Values nested deeper than this are refused as `Corrupt` (no recursion without a bound). */
export const MAX_VALUE_DEPTH = 64;

/**
 * Decodes an `AnyValue` message (a unset value is null; of repeated oneof fields the last wins).
 *
 * @example
 * ```ts
 * const body = decodeAnyValue(reader.nested());
 * ```
 */
export function decodeAnyValue(r: ProtoReader, depth = 0): OtlpValue {
  if (depth > MAX_VALUE_DEPTH) throw r.corrupt(`values nested deeper than ${MAX_VALUE_DEPTH}`);
  let value: OtlpValue = null;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    switch (field) {
      case 1:
        r.expect(wire, WIRE.bytes, 'AnyValue.string_value');
        value = r.string();
        break;
      case 2:
        r.expect(wire, WIRE.varint, 'AnyValue.bool_value');
        value = r.uint() !== 0;
        break;
      case 3: {
        r.expect(wire, WIRE.varint, 'AnyValue.int_value');
        const n = r.int64();
        value = n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
        break;
      }
      case 4:
        r.expect(wire, WIRE.fixed64, 'AnyValue.double_value');
        value = r.double();
        break;
      case 5:
        r.expect(wire, WIRE.bytes, 'AnyValue.array_value');
        value = decodeArray(r.nested(), depth + 1);
        break;
      case 6:
        r.expect(wire, WIRE.bytes, 'AnyValue.kvlist_value');
        value = decodeKeyValues(r.nested(), 1, depth + 1);
        break;
      case 7:
        r.expect(wire, WIRE.bytes, 'AnyValue.bytes_value');
        value = r.bytes();
        break;
      default:
        r.skip(wire);
    }
  }
  return value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function decodeArray(r: ProtoReader, depth: number): OtlpValue[] {
  const values: OtlpValue[] = [];
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field !== 1) {
      r.skip(wire);
      continue;
    }
    r.expect(wire, WIRE.bytes, 'ArrayValue.values');
    values.push(decodeAnyValue(r.nested(), depth));
  }
  return values;
}

/**
 * Decodes the repeated `KeyValue` field number `field` of a message (`KeyValueList.values`,
 * `Resource.attributes`, ...) into a Map; of duplicate keys the last wins.
 */
export function decodeKeyValues(
  r: ProtoReader,
  field: number,
  depth = 0,
  into: OtlpMap = new Map(),
): OtlpMap {
  while (r.more()) {
    if (r.tag() !== field) {
      r.skip(r.wire);
      continue;
    }
    r.expect(r.wire, WIRE.bytes, 'KeyValue');
    addKeyValue(r.nested(), depth, into);
  }
  return into;
}

/** Decodes one `KeyValue` message into `into`. */
export function addKeyValue(r: ProtoReader, depth: number, into: OtlpMap): void {
  let key = '';
  let value: OtlpValue = null;
  while (r.more()) {
    const field = r.tag();
    const wire = r.wire;
    if (field === 1) {
      r.expect(wire, WIRE.bytes, 'KeyValue.key');
      key = r.string();
    } else if (field === 2) {
      r.expect(wire, WIRE.bytes, 'KeyValue.value');
      value = decodeAnyValue(r.nested(), depth);
    } else r.skip(wire);
  }
  into.set(key, value);
}

/**
 * An attribute value as a decoder hands it on: scalars as they are, bytes as base64, arrays and maps as
 * JSON text (LakeRunner stringifies them the same way).
 *
 * @example
 * ```ts
 * toDecodedValue([1, 'a']); // '[1,"a"]'
 * ```
 */
export function toDecodedValue(value: OtlpValue): DecodedValue {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return base64(value);
  return toJsonText(value);
}

/** The log body as text: strings as they are, other values as `AsString()` renders them, unset as ''. */
export function toBodyText(value: OtlpValue): string {
  return value === null ? '' : String(toDecodedValue(value));
}

/** Attributes as the record's name → value object (null prototype: a `__proto__` key is just a key). */
export function toDecodedRecord(
  map: OtlpMap,
  into: Record<string, DecodedValue> = Object.create(null),
): Record<string, DecodedValue> {
  for (const [key, value] of map) into[key] = toDecodedValue(value);
  return into;
}

function toJsonText(value: OtlpValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  }
  if (value instanceof Uint8Array) return JSON.stringify(base64(value));
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  const parts: string[] = [];
  for (const [key, item] of value) parts.push(`${JSON.stringify(key)}:${toJsonText(item)}`);
  return `{${parts.join(',')}}`;
}

/** Standard base64 (with padding), without Node's Buffer. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
