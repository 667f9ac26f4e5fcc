/**
 * Storage event bodies → the objects they announce. The bodies LakeRunner's event endpoint accepts, told
 * apart by shape: AWS S3 notifications (`{"Records":[{"s3":...}]}`), the same wrapped in SQS (an SQS
 * message's `Body`, a `ReceiveMessage` answer, a Lambda SQS event) or SNS (`{"Type":"Notification"}`), GCP
 * Cloud Storage objects (`storage#object`, bare or as a Pub/Sub push), and Azure Event Grid events
 * (`Microsoft.Storage.BlobCreated`, one or an array, including the subscription validation). Anything
 * else is an `InvalidArgument` naming what was expected. Pure: no I/O.
 */
import { bkError } from '../../errors.js';

/** One object an event announces. */
export interface StorageObjectEvent {
  /** `aws-s3`, `gcp-storage` or `azure-blob`. */
  source: 'aws-s3' | 'gcp-storage' | 'azure-blob';
  bucket: string;
  /** The object key, decoded (S3 event keys arrive URL-encoded). */
  key: string;
  /** The event's own name: `ObjectCreated:Put`, `OBJECT_FINALIZE`, `Microsoft.Storage.BlobCreated`... */
  name: string;
  /** True for an object being created or overwritten (the only events the lake ingests). */
  created: boolean;
  size?: number;
}

/** What a body holds. */
export type ParsedEventBody =
  | { kind: 'objects'; events: StorageObjectEvent[]; invalid: string[] }
  | { kind: 'validation'; validationCode: string }
  | { kind: 'test' };

/** How deep envelopes may nest (SQS → SNS → S3 is 3). */
const MAX_DEPTH = 4;

const EXPECTED =
  'expected an S3 event notification ({"Records":[{"s3":...}]}), an SQS or SNS message carrying one, ' +
  'a GCP storage#object (bare or as a Pub/Sub push) or Azure Event Grid events';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
};

function invalid(message: string): never {
  throw bkError('InvalidArgument', message);
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return invalid(`${what} is not JSON; ${EXPECTED}`);
  }
}

/**
 * Parses a storage event body.
 *
 * @example
 * ```ts
 * parseStorageEvents('{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"raw"},"object":{"key":"a+b.json"}}}]}');
 * // { kind: 'objects', events: [{ source: 'aws-s3', bucket: 'raw', key: 'a b.json', created: true, ... }], invalid: [] }
 * ```
 */
export function parseStorageEvents(body: string): ParsedEventBody {
  if (body.trim() === '') invalid(`the body is empty; ${EXPECTED}`);
  const parsed = parseValue(parseJson(body, 'the body'), 0);
  if (parsed.kind === 'objects' && parsed.events.length === 0 && parsed.invalid.length > 0) {
    invalid(`no usable event in the body: ${parsed.invalid.slice(0, 3).join('; ')}`);
  }
  return parsed;
}

function parseValue(value: Json, depth: number): ParsedEventBody {
  if (depth > MAX_DEPTH) invalid(`envelopes nest deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return eventGrid(value);
  if (!isObject(value)) invalid(`the body is JSON ${value === null ? 'null' : typeof value}; ${EXPECTED}`);
  if (Array.isArray(value.Records)) return records(value.Records, depth);
  if (value.Event === 's3:TestEvent') return { kind: 'test' };
  if (Array.isArray(value.Messages)) return merge(value.Messages.map((m) => sqsMessage(m, depth)));
  if (str(value.Body) !== undefined || (str(value.body) !== undefined && 'messageId' in value)) {
    return sqsMessage(value, depth);
  }
  if (value.Type === 'Notification' && typeof value.Message === 'string') {
    return parseValue(parseJson(value.Message, 'the SNS Message'), depth + 1);
  }
  if (typeof value.Type === 'string' && value.Type.includes('Subscription')) {
    invalid(`SNS ${value.Type} messages are not handled: confirm the subscription with its SubscribeURL`);
  }
  if (isObject(value.message) && (value.message.data !== undefined || isObject(value.message.attributes))) {
    return pubsubPush(value.message);
  }
  if (value.kind === 'storage#object') return objects([gcsObject(value, undefined)]);
  if (typeof value.eventType === 'string' || (typeof value.type === 'string' && 'specversion' in value)) {
    return eventGrid([value]);
  }
  return invalid(`the JSON object has none of the expected fields; ${EXPECTED}`);
}

const objects = (events: StorageObjectEvent[], bad: string[] = []): ParsedEventBody => ({
  kind: 'objects',
  events,
  invalid: bad,
});

function merge(parts: ParsedEventBody[]): ParsedEventBody {
  const events: StorageObjectEvent[] = [];
  const bad: string[] = [];
  for (const part of parts) {
    if (part.kind !== 'objects') continue;
    events.push(...part.events);
    bad.push(...part.invalid);
  }
  return objects(events, bad);
}

/** `Records`: S3 records, or Lambda's SQS / SNS records wrapping them. */
function records(list: Json[], depth: number): ParsedEventBody {
  if (list.length === 0) invalid('"Records" is empty');
  const parts = list.map((record, i): ParsedEventBody => {
    if (!isObject(record)) return objects([], [`record ${i} is not an object`]);
    if (record.eventSource === 'aws:sqs' || (typeof record.body === 'string' && !isObject(record.s3))) {
      return sqsMessage(record, depth);
    }
    if (isObject(record.Sns) && typeof record.Sns.Message === 'string') {
      return parseValue(parseJson(record.Sns.Message, `record ${i}'s SNS Message`), depth + 1);
    }
    return s3Record(record, i);
  });
  if (parts.length === 1) return parts[0]!;
  if (parts.every((p) => p.kind === 'test')) return { kind: 'test' };
  return merge(parts);
}

function s3Record(record: JsonObject, i: number): ParsedEventBody {
  const s3 = isObject(record.s3) ? record.s3 : undefined;
  const bucket = s3 && isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
  const object = s3 && isObject(s3.object) ? s3.object : undefined;
  const rawKey = object ? str(object.key) : undefined;
  if (!bucket || rawKey === undefined || rawKey === '') {
    return objects([], [`record ${i} has no s3.bucket.name and s3.object.key`]);
  }
  let key: string;
  try {
    // S3 event keys are form-encoded: '+' is a space
    key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return objects([], [`record ${i}'s key "${rawKey.slice(0, 100)}" holds a malformed %-escape`]);
  }
  const name = str(record.eventName) ?? 'ObjectCreated:*';
  const size = num(object?.size);
  const event: StorageObjectEvent = {
    source: 'aws-s3',
    bucket,
    key,
    name,
    created: name.replace(/^s3:/, '').startsWith('ObjectCreated:'),
    ...(size === undefined ? {} : { size }),
  };
  return objects([event]);
}

/** An SQS message (`Body` as the SDK returns it, `body` in a Lambda event): its body is the event. */
function sqsMessage(message: Json, depth: number): ParsedEventBody {
  if (!isObject(message)) return objects([], ['an SQS message is not an object']);
  const body = str(message.Body) ?? str(message.body);
  if (body === undefined) return objects([], ['an SQS message has no Body']);
  return parseValue(parseJson(body, 'an SQS message Body'), depth + 1);
}

/** A Pub/Sub push: `message.data` is the base64 `storage#object`; `attributes.eventType` says what happened. */
function pubsubPush(message: JsonObject): ParsedEventBody {
  const attributes = isObject(message.attributes) ? message.attributes : {};
  const eventType = str(attributes.eventType);
  const data = str(message.data);
  if (data !== undefined && data !== '') {
    const text = Buffer.from(data, 'base64').toString('utf8');
    const object = parseJson(text, 'the Pub/Sub message data');
    if (!isObject(object) || object.kind !== 'storage#object') {
      invalid('the Pub/Sub message data is not a storage#object');
    }
    return objects([gcsObject(object, eventType)]);
  }
  // payloadFormat NONE: only the attributes name the object
  const bucket = str(attributes.bucketId);
  const key = str(attributes.objectId);
  if (!bucket || !key) invalid('the Pub/Sub message has neither data nor bucketId/objectId attributes');
  return objects([gcsEvent(bucket, key, eventType, undefined)]);
}

function gcsObject(object: JsonObject, eventType: string | undefined): StorageObjectEvent {
  const key = str(object.name);
  const bucket = str(object.bucket) ?? str(object.id)?.split('/')[0];
  if (!key || !bucket) invalid('the storage#object has no name and bucket');
  return gcsEvent(bucket, key, eventType, num(object.size));
}

function gcsEvent(bucket: string, key: string, eventType: string | undefined, size: number | undefined) {
  const name = eventType ?? 'OBJECT_FINALIZE';
  const event: StorageObjectEvent = {
    source: 'gcp-storage',
    bucket,
    key,
    name,
    created: name === 'OBJECT_FINALIZE',
    ...(size === undefined ? {} : { size }),
  };
  return event;
}

const BLOB_SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

/** Event Grid events (its own schema or CloudEvents 1.0); a validation event wins over the rest. */
function eventGrid(list: Json[]): ParsedEventBody {
  if (list.length === 0) invalid('the body is an empty array; Event Grid sends at least one event');
  const events: StorageObjectEvent[] = [];
  const bad: string[] = [];
  for (const [i, item] of list.entries()) {
    if (!isObject(item)) {
      bad.push(`event ${i} is not an object`);
      continue;
    }
    const type = str(item.eventType) ?? str(item.type);
    if (type === undefined) {
      bad.push(`event ${i} has no eventType`);
      continue;
    }
    const data = isObject(item.data) ? item.data : {};
    if (type === 'Microsoft.EventGrid.SubscriptionValidationEvent') {
      const code = str(data.validationCode);
      if (!code) invalid('the SubscriptionValidationEvent has no data.validationCode');
      return { kind: 'validation', validationCode: code };
    }
    const match = BLOB_SUBJECT.exec(str(item.subject) ?? '');
    if (!match) {
      bad.push(
        `event ${i} (${type.slice(0, 80)}) has no /blobServices/default/containers/C/blobs/KEY subject`,
      );
      continue;
    }
    const size = num(data.contentLength);
    events.push({
      source: 'azure-blob',
      bucket: match[1]!,
      key: match[2]!,
      name: type,
      created: type === 'Microsoft.Storage.BlobCreated',
      ...(size === undefined ? {} : { size }),
    });
  }
  return objects(events, bad);
}
