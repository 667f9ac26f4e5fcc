/**
 * The rows of one segment while an ingest collects them, in columns: times and fingerprints in typed
 * arrays, messages as UTF-8 in one byte arena, other fields dictionary-coded (`columns.ts`). A cooked row
 * object lives only until it is added, so it dies young; what stays is a few hundred kilobytes of arrays
 * outside the JavaScript heap per ten thousand rows, reused segment after segment. Keeping the rows as
 * objects made V8 size its old generation at about four times a segment's rows, and that, not the rows,
 * is what pushed a large ingest's memory up (docs/benchmarks.md, "Ingest memory: a segment's rows in
 * columns").
 *
 * The message filter (`message-index.ts`) is fed as rows arrive, so messages never need decoding back.
 */
import type { CookedLog } from '../ingest/normalise.js';
import { ByteArena, grown, StringColumn } from './columns.js';
import { messageFilterBuilder, PairSet } from './message-index.js';
import { sortOrder } from './sort-order.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A segment's rows in columns.
 *
 * @example
 * ```ts
 * const buffer = new LogBuffer();
 * buffer.add(cookedRow);
 * const order = buffer.sortOrder('resource_service_name');
 * ```
 */
export class LogBuffer {
  /** Rows held. */
  length = 0;
  private capacity = 0;
  /** `chq_timestamp`, ms. */
  ms = new Float64Array(0);
  /** `chq_tsns`, with a 32-bit view (low word first) for comparisons without BigInt reads. */
  tsns = new BigInt64Array(0);
  tsnsWords = new Int32Array(0);
  fingerprints = new BigInt64Array(0);
  fingerprintWords = new Int32Array(0);
  /** 1 where the row has a fingerprint. */
  hasFingerprint = new Uint8Array(0);
  readonly customers = new StringColumn(0);
  readonly levels = new StringColumn(0);
  readonly messages = new ByteArena();
  /** `resource_*`, `scope_*`, `attr_*` and other columns, in order of first appearance. */
  readonly fields = new Map<string, StringColumn>();
  private readonly grams = new PairSet();
  private filter = messageFilterBuilder(this.grams);

  /** A buffer holding `rows` (for writers given rows, such as compaction). */
  static of(rows: readonly CookedLog[]): LogBuffer {
    const buffer = new LogBuffer();
    for (const row of rows) buffer.add(row);
    return buffer;
  }

  add(row: CookedLog): void {
    const i = this.length;
    if (i === this.capacity) this.grow();
    const tsns = row.chq_tsns;
    if (tsns < INT64_MIN || tsns > INT64_MAX)
      throw new RangeError(`parquet INT64 value out of range: ${tsns}`);
    this.ms[i] = row.chq_timestamp;
    this.tsns[i] = tsns;
    const fingerprint = row.chq_fingerprint;
    if (fingerprint !== null) {
      this.fingerprints[i] = fingerprint;
      this.hasFingerprint[i] = 1;
    } else this.hasFingerprint[i] = 0;
    this.customers.set(i, row.chq_customer_id);
    this.levels.set(i, row.log_level);
    this.messages.push(row.log_message);
    this.filter.add(row.log_message);
    const fields = row.fields;
    for (const name in fields) {
      let column = this.fields.get(name);
      if (column === undefined) {
        column = new StringColumn(this.capacity);
        this.fields.set(name, column);
      }
      column.set(i, fields[name]);
    }
    this.length = i + 1;
  }

  /** Row `i` as a cooked row (a new object: for writers that take rows one at a time). */
  row(i: number): CookedLog {
    const fields: Record<string, string> = {};
    for (const [name, column] of this.fields) {
      if (column.present === 0) continue;
      const value = column.get(i);
      if (value !== null) fields[name] = value;
    }
    return {
      chq_timestamp: this.ms[i]!,
      chq_tsns: this.tsns[i]!,
      chq_fingerprint: this.hasFingerprint[i] ? this.fingerprints[i]! : null,
      chq_telemetry_type: 'logs',
      chq_customer_id: this.customers.get(i) ?? '',
      log_message: this.messages.text(i),
      log_level: this.levels.get(i),
      fields,
    };
  }

  /** The names of the field columns some row has a value in. */
  fieldNames(): string[] {
    const names: string[] = [];
    for (const [name, column] of this.fields) if (column.present > 0) names.push(name);
    return names;
  }

  /** The segment's message filter (`withMessageIndex`). */
  messageFilter() {
    return this.filter.build();
  }

  /**
   * Row numbers in LakeRunner's order, `[stream field, chq_fingerprint (null first), chq_tsns]`, rows that
   * tie kept in arrival order.
   */
  sortOrder(streamField: string): Uint32Array {
    return sortOrder({
      length: this.length,
      streamRank: this.streams(streamField).ids,
      hasFingerprint: this.hasFingerprint,
      fingerprintWords: this.fingerprintWords,
      tsnsWords: this.tsnsWords,
    });
  }

  /** The stream field's distinct values (sorted; '' for rows without one) and each row's place among them. */
  streams(streamField: string): { ids: Int32Array; values: string[] } {
    const column = this.fields.get(streamField);
    if (column === undefined) return { ids: new Int32Array(this.length), values: [''] };
    return column.distinct(this.length, '') as { ids: Int32Array; values: string[] };
  }

  /** Forgets every row, keeping the arrays for the next segment. */
  clear(): void {
    this.customers.clear(this.length);
    this.levels.clear(this.length);
    this.messages.clear();
    // a column no row of this segment had is dropped; the others keep their arrays
    for (const [name, column] of this.fields) {
      if (column.present === 0) this.fields.delete(name);
      else column.clear(this.length);
    }
    this.filter = messageFilterBuilder(this.grams);
    this.length = 0;
  }

  private grow(): void {
    const size = Math.max(1024, this.capacity * 2);
    this.ms = grown(this.ms, size);
    this.tsns = grown(this.tsns, size);
    this.tsnsWords = new Int32Array(this.tsns.buffer);
    this.fingerprints = grown(this.fingerprints, size);
    this.fingerprintWords = new Int32Array(this.fingerprints.buffer);
    this.hasFingerprint = grown(this.hasFingerprint, size);
    this.customers.reserve(size);
    this.levels.reserve(size);
    for (const column of this.fields.values()) column.reserve(size);
    this.capacity = this.ms.length;
  }
}
