/**
 * Reads the records of one s3db.js resource: `resource=<r>/data/id=<id>` objects whose fields sit in
 * metadata under base36 keys, in a JSON body (body-overflow's larger fields, body-only, user-managed
 * records too large for metadata), or both; and its partition references.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { storedVersion } from '../encoding/index.js';
import { type Filter, matches } from '../filter.js';
import { mapLimit } from '../retry.js';
import { decodeS3dbAttribute } from './attribute.js';
import { isBytesType, takeByteFields } from './binary.js';
import type { S3dbResourceInfo } from './catalog.js';
import { checkS3dbTypes } from './definition.js';
import { clientDecode } from './values.js';

type Row = Record<string, unknown>;
/** Behaviours whose bodies hold fields (truncate-data and enforce-limits read metadata only). */
const BODY_BEHAVIORS = new Set(['body-overflow', 'body-only', 'user-managed']);
const READS_IN_FLIGHT = 16;

function unflatten(flat: Row): Row {
  const out: Row = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Row;
    }
    target[parts.at(-1)!] = value;
  }
  return out;
}

/**
 * One s3db.js resource, read-only: `get`, `listIds`, `list`, `count`, `query` and partition lookups.
 * Records come back as s3db.js's own `get()` returns them (its value changes on round trip included,
 * such as trimmed strings), with nested objects rebuilt and secrets decrypted.
 *
 * @example
 * ```ts
 * const users = (await importS3db(port, { passphrase })).resource('users');
 * for await (const user of users.list()) console.log(user.id, user.name);
 * ```
 */
export class S3dbResource {
  readonly name: string;
  private readonly reverse: Map<string, string>;
  /** Attributes read as bytes (`buffer`, `bits`), whose bytes 21.6.2 may have stored one per key. */
  private readonly bytePaths: string[];

  constructor(
    private readonly port: StoragePort,
    readonly info: S3dbResourceInfo,
    private readonly passphrase: string,
  ) {
    this.name = info.name;
    checkS3dbTypes(info);
    this.bytePaths = Object.keys(info.attributes).filter((path) => isBytesType(info.attributes[path]!));
    this.reverse = new Map(Object.entries(info.map).map(([path, key]) => [key, path]));
  }

  private get dataPrefix(): string {
    return `resource=${this.name}/data/id=`;
  }

  /** A record; `NotFound` when there is none with this id. */
  async get(id: string): Promise<Row> {
    const record = await this.read(id);
    if (!record) {
      throw bkError('NotFound', `the s3db.js resource "${this.name}" has no record "${id}"`, {
        details: { resource: this.name, id },
      });
    }
    return record;
  }

  /** The ids, in key order (LIST only). */
  async *listIds(): AsyncGenerator<string> {
    for await (const entry of this.port.list({ prefix: this.dataPrefix, pageSize: 1000 })) {
      if (entry.type === 'object') yield entry.key.slice(this.dataPrefix.length);
    }
  }

  /** Every record, in id order, `concurrency` reads at a time (default 16). */
  async *list(options: { concurrency?: number } = {}): AsyncGenerator<Row> {
    const batch: string[] = [];
    const size = Math.max(1, options.concurrency ?? READS_IN_FLIGHT) * 4;
    const flush = async () => {
      const records = await mapLimit(batch.splice(0), options.concurrency ?? READS_IN_FLIGHT, (id) =>
        this.read(id),
      );
      return records.filter((r): r is Row => r !== undefined);
    };
    for await (const id of this.listIds()) {
      batch.push(id);
      if (batch.length >= size) yield* await flush();
    }
    yield* await flush();
  }

  /** How many records there are (LIST only). */
  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.listIds()) n++;
    return n;
  }

  /**
   * The records matching `filter` (bucketkit's filter: equality, `in`, ranges on dot paths). Every
   * record is read: s3db.js's partition references can be missing (written after the record, not for
   * records older than the partition), so they narrow only when asked for with `partitionIds`.
   */
  async query(filter: Filter, options: { limit?: number } = {}): Promise<Row[]> {
    const out: Row[] = [];
    for await (const record of this.list()) {
      if (!matches(record, filter)) continue;
      out.push(record);
      if (out.length >= (options.limit ?? Number.POSITIVE_INFINITY)) break;
    }
    return out;
  }

  /**
   * The ids s3db.js's partition references list for `values` (every field of the partition, as
   * s3db.js wrote them: dates as YYYY-MM-DD, `maxlength` values cut). Exact: `US` never lists `USA`.
   */
  async partitionIds(partition: string, values: Record<string, string>): Promise<string[]> {
    const fields = this.info.partitions[partition];
    if (!fields) {
      throw bkError('NotFound', `the s3db.js resource "${this.name}" has no partition "${partition}"`, {
        details: { resource: this.name, partition, known: Object.keys(this.info.partitions) },
      });
    }
    const names = Object.keys(fields).sort();
    const missing = names.filter((f) => values[f] === undefined);
    if (missing.length > 0) {
      throw bkError('InvalidArgument', `partition "${partition}" needs values for ${missing.join(', ')}`);
    }
    const prefix = `resource=${this.name}/partition=${partition}/${names.map((f) => `${f}=${values[f]}/`).join('')}id=`;
    const ids: string[] = [];
    for await (const entry of this.port.list({ prefix, pageSize: 1000 })) {
      if (entry.type === 'object') ids.push(entry.key.slice(prefix.length));
    }
    return ids;
  }

  /** Reads and decodes one record; `undefined` when it does not exist. */
  async read(id: string): Promise<Row | undefined> {
    let got: Awaited<ReturnType<StoragePort['get']>>;
    try {
      got = await this.port.get(`${this.dataPrefix}${id}`);
    } catch (error) {
      if (BucketkitError.is(error, 'NotFound')) return undefined;
      throw error;
    }
    return this.decode(id, await got.text(), got.metadata);
  }

  /**
   * Decodes one record object the caller fetched (its body text and metadata). `Unavailable` when the
   * object is already in bucketkit's format (an in-place migration swapped it).
   */
  async decode(id: string, text: string, metadata: Record<string, string>): Promise<Row> {
    if (storedVersion(metadata) !== undefined) {
      throw bkError(
        'Unavailable',
        `the record "${this.name}/${id}" is already in bucketkit's format: an in-place migration is under way; resume it`,
        { details: { resource: this.name, id } },
      );
    }
    const mapped: Row = {};
    let reverse = this.reverse;
    // Ceph RGW gives s3db.js's `_` system keys back with a `-` (`-v`, `-map`): attribute keys never start with either
    const ownMap = metadata._map ?? metadata['-map'];
    if (this.info.behavior === 'body-only' && ownMap) {
      let map: unknown;
      try {
        map = JSON.parse(String(clientDecode(ownMap)));
      } catch (error) {
        throw bkError('Corrupt', `the _map of s3db.js record "${this.name}/${id}" is not JSON`, {
          cause: error,
          details: { resource: this.name, id },
        });
      }
      if (typeof map === 'object' && map !== null)
        reverse = new Map(Object.entries(map).map(([path, key]) => [String(key), path]));
    }
    if (text.length > 0 && BODY_BEHAVIORS.has(this.info.behavior)) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw bkError('Corrupt', `the body of s3db.js record "${this.name}/${id}" is not JSON`, {
          cause: error,
          details: { resource: this.name, id },
        });
      }
      if (typeof body === 'object' && body !== null) Object.assign(mapped, body);
    }
    for (const [key, value] of Object.entries(metadata)) mapped[key] = clientDecode(value);
    const where = `${this.name}/${id}`;
    let byteFields: Map<string, Uint8Array>;
    try {
      byteFields = takeByteFields(mapped, this.bytePaths);
    } catch (error) {
      if (!BucketkitError.is(error, 'Corrupt')) throw error;
      throw bkError('Corrupt', `s3db.js record "${where}": ${error.message.replace(/^Corrupt: /, '')}`, {
        cause: error,
        details: { ...error.details, record: where },
      });
    }
    const flat: Row = {};
    for (const [key, value] of Object.entries(mapped)) {
      if (key.startsWith('_') || key.startsWith('-') || key.startsWith('$')) continue;
      const path = reverse.get(key) ?? key;
      flat[path] = await decodeS3dbAttribute(value, this.info.attributes[path], this.passphrase, where, path);
    }
    for (const [path, bytes] of byteFields) {
      flat[path] ??= await decodeS3dbAttribute(
        bytes,
        this.info.attributes[path],
        this.passphrase,
        where,
        path,
      );
    }
    return { id, ...unflatten(flat) };
  }
}
