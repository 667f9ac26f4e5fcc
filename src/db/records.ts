/**
 * Reading and writing one record: decoding with the schema version that wrote it, and
 * compare-and-swap writes. A delete replaces the record with a tombstone (a compare-and-swap write:
 * there is no conditional DELETE in S3), which reads and listings treat as missing and a later insert
 * of the same id overwrites, again by compare-and-swap.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { BucketkitError, bkError } from '../errors.js';
import type { Abortable, Metadata } from '../storage/index.js';
import { decodeRecord, encodeRecord, type StoredRecord, storedVersion } from './encoding/index.js';
import { recordKey } from './keys.js';
import type { ResourceRuntime, VersionRuntime } from './runtime.js';

export const TOMBSTONE = 'bk-tombstone';
const TOMBSTONE_BODY = new TextEncoder().encode('bucketkit-db tombstone\n');
/** The ETag of every tombstone: listings skip it without reading the object. */
export const TOMBSTONE_ETAG = Array.from(md5(TOMBSTONE_BODY), (b) => b.toString(16).padStart(2, '0')).join(
  '',
);

/** A record as read: decoded, with the ETag and stored form a compare-and-swap write needs. */
export interface ReadRecord {
  record: Record<string, unknown>;
  etag: string;
  stored: StoredRecord;
  /** The version id that wrote it. */
  version: string;
}

/**
 * Every record body ends with this many random bytes. An ETag is the MD5 of the content only, so
 * without them two writes that differ only in metadata (most records live in metadata) would have the
 * same ETag, and compare-and-swap could not tell them apart.
 */
export const NONCE_BYTES = 12;

/** What a read needs from storage: the metadata, the ETag and the body without its nonce. */
interface Fetched {
  metadata: Metadata;
  etag: string;
  body: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads a record; `undefined` when it does not exist (or is a tombstone). `listedSize` is the object's
 * size as a listing just showed it: a record whose body is only the nonce lives wholly in metadata, so
 * a HEAD reads it (no body to stream); if it grew since the listing, a GET follows.
 */
export async function readRecord(
  rt: ResourceRuntime,
  id: string,
  options: Abortable = {},
  key = recordKey(rt.name, id),
  listedSize?: number,
): Promise<ReadRecord | undefined> {
  const fetched = await fetchRecord(rt, key, options, listedSize);
  if (!fetched || fetched.metadata[TOMBSTONE]) return undefined;
  const { metadata, body, etag } = fetched;
  const stored: StoredRecord = body.length > 0 ? { metadata, body } : { metadata };
  const version = storedVersion(metadata);
  if (version === undefined) {
    // Every record is written with its schema version in metadata. None at all is most often a browser
    // reading through CORS that hides x-amz-meta-* headers: the record would decode as empty (and a
    // tombstone as a record), so say so instead of returning it.
    throw bkError(
      'Corrupt',
      `record "${id}" of "${rt.name}" came back without its metadata (no x-amz-meta-v- header). In a browser, ` +
        'the server must expose the x-amz-meta-* headers to the page (CORS Access-Control-Expose-Headers: *)',
      { details: { key, id } },
    );
  }
  let runtime: VersionRuntime;
  try {
    runtime = rt.version(version);
  } catch (err) {
    if (!BucketkitError.is(err, 'Corrupt')) throw err;
    await rt.reload(options);
    runtime = rt.version(version);
  }
  let record = await decodeRecord(stored, {
    schema: runtime.schema,
    map: runtime.map,
    ...(rt.cipher ? { cipher: rt.cipher } : {}),
  });
  if (version !== rt.current.id && rt.migrate) record = await rt.migrate(record, version);
  return { record: { ...record, id }, etag, stored, version };
}

async function fetchRecord(
  rt: ResourceRuntime,
  key: string,
  options: Abortable,
  listedSize: number | undefined,
): Promise<Fetched | undefined> {
  const signal = options.signal ? { signal: options.signal } : {};
  try {
    if (listedSize === NONCE_BYTES) {
      const info = await rt.port.head(key, signal);
      if (info.size === NONCE_BYTES) return { metadata: info.metadata, etag: info.etag, body: EMPTY };
    }
    const result = await rt.port.get(key, signal);
    const bytes = await result.bytes();
    return {
      metadata: result.metadata,
      etag: result.etag,
      body: bytes.subarray(0, Math.max(0, bytes.length - NONCE_BYTES)),
    };
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** How a write is guarded: create-only, or compare-and-swap against what was read. */
export type Expect = { create: true } | { etag: string; previous?: ReadRecord };

/** Encodes and writes `record` (without its id). Throws `PreconditionFailed` on a lost race. */
export async function writeRecord(
  rt: ResourceRuntime,
  id: string,
  record: Record<string, unknown>,
  expect: Expect,
  options: Abortable = {},
): Promise<{ etag: string; stored: StoredRecord }> {
  const { id: _drop, ...fields } = record;
  const previous = 'create' in expect ? undefined : expect.previous;
  const stored = await encodeRecord(fields, {
    schema: rt.current.schema,
    map: rt.current.map,
    version: rt.current.id,
    behavior: rt.behavior,
    ...(rt.cipher ? { cipher: rt.cipher } : {}),
    ...(previous && previous.version === rt.current.id
      ? { previous: { record: withoutId(previous.record), stored: previous.stored } }
      : {}),
    ...(rt.onExceedsLimit ? { onExceedsLimit: (info) => rt.onExceedsLimit!({ id, ...info }) } : {}),
  });
  const condition = guard(rt, expect);
  const encoded = stored.body ?? new Uint8Array(0);
  const content = new Uint8Array(encoded.length + NONCE_BYTES);
  content.set(encoded);
  crypto.getRandomValues(content.subarray(encoded.length));
  const result = await rt.port.put(recordKey(rt.name, id), content, {
    metadata: stored.metadata,
    ...condition,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { etag: result.etag, stored };
}

/** Writes a tombstone over a record, guarded like a write: the compare-and-swap step of a delete. */
export async function writeTombstone(
  rt: ResourceRuntime,
  id: string,
  previous: ReadRecord,
  options: Abortable = {},
): Promise<string> {
  const metadata: Metadata = { [TOMBSTONE]: '1' };
  const result = await rt.port.put(recordKey(rt.name, id), TOMBSTONE_BODY, {
    metadata,
    ...guard(rt, { etag: previous.etag }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return result.etag;
}

function guard(rt: ResourceRuntime, expect: Expect): { ifNoneMatch?: '*'; ifMatch?: string } {
  if (!rt.conditional) return {};
  return 'create' in expect ? { ifNoneMatch: '*' } : { ifMatch: expect.etag };
}

export function withoutId(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _drop, ...rest } = record;
  return rest;
}
