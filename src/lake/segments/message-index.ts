/**
 * The message index of a segment: a bloom filter of its messages' grams (`message-grams.ts`), split into
 * partitions of about `PARTITION_BYTES` so that a needle query reads one small range per key instead of
 * the whole filter. The filter's bytes sit inside the table object, between the last column chunk and
 * the Parquet footer (where Parquet's own bloom filters go; readers locate chunks through the footer's
 * offsets, so they skip it), and the day index records where (`MessageIndexRef`): no third object per
 * segment, and the filter is published, compacted and swept with its table.
 */
import { bkError } from '../../errors.js';
import type { CookedLog } from '../ingest/normalise.js';
import { addGramHashes, GRAM, STRIDE } from './message-grams.js';

/** Where a segment's message filter is and how it was built (all a reader needs to probe it). */
export interface MessageIndexRef {
  /** Byte offset of partition 0 in the table object. */
  offset: number;
  partitions: number;
  partitionBytes: number;
  /** Probes per key. */
  hashes: number;
  gram: number;
  stride: number;
}

/** A built message filter: its bytes and how they are laid out. */
export type MessageFilter = ReturnType<ReturnType<typeof messageFilterBuilder>['build']>;

/** Bits per distinct key: ~0.8 % false positives per key with 7 probes. */
const BITS_PER_KEY = 10;
const HASHES = 7;
/** Size aimed at for one partition (one ranged read per key and segment). */
const PARTITION_BYTES = 512;

/**
 * The filter of a segment's messages.
 *
 * @example
 * ```ts
 * const { bytes, partitions, partitionBytes } = buildMessageFilter(rows);
 * ```
 */
export function buildMessageFilter(rows: readonly CookedLog[]) {
  // one set for every segment of the process: its tables reach a segment's size once, not per segment
  const builder = messageFilterBuilder(distinctGrams);
  for (const row of rows) builder.add(row.log_message);
  return builder.build();
}

/**
 * A message filter built one message at a time (for writers that see messages as a stream, such as a
 * DuckDB scalar function). `keys` is the set it collects grams in, cleared first (default: a new one).
 *
 * @example
 * ```ts
 * const builder = messageFilterBuilder();
 * builder.add('order ord-5e1f0c2a9d created');
 * const { bytes } = builder.build();
 * ```
 */
export function messageFilterBuilder(keys: PairSet = new PairSet()) {
  keys.clear();
  return {
    add(text: string): void {
      addGramHashes(text, keys);
    },
    build() {
      const totalBytes = Math.max(8, Math.ceil((keys.size * BITS_PER_KEY) / 8));
      const partitions = Math.max(1, Math.round(totalBytes / PARTITION_BYTES));
      const partitionBytes = Math.ceil(totalBytes / partitions);
      const bytes = new Uint8Array(partitions * partitionBytes);
      const bits = partitionBytes * 8;
      keys.forEach((a, b) => {
        const base = (a % partitions) * partitionBytes;
        // `probes(a, b, bits, HASHES)`, inlined: this runs for every distinct gram of the segment.
        // (b + i·step) mod bits, stepped in small integers: b and step exceed 31 bits, and a double
        // modulo per probe cost more than the rest of the loop
        const step = ((a >>> 7) | 1) % bits;
        let bit = b % bits;
        for (let i = 0; i < HASHES; i++) {
          bytes[base + (bit >>> 3)]! |= 1 << (bit & 7);
          bit += step;
          if (bit >= bits) bit -= bits;
        }
      });
      return { bytes, partitions, partitionBytes, hashes: HASHES, keys: keys.size };
    },
  };
}

/** The bit positions of a key inside its partition of `bits` bits (double hashing). */
export function probes(a: number, b: number, bits: number, hashes: number): number[] {
  const step = (a >>> 7) | 1;
  const out = new Array<number>(hashes);
  for (let i = 0; i < hashes; i++) out[i] = (b + i * step) % bits;
  return out;
}

/**
 * The table file with the segment's message filter spliced in before its footer, and where it is.
 *
 * @example
 * ```ts
 * const { table, messageIndex } = withMessageIndex(writeTableFile(rows, field, zstd), rows);
 * ```
 */
export function withMessageIndex(
  table: Uint8Array,
  rows: readonly CookedLog[] | { messageFilter(): MessageFilter },
): { table: Uint8Array; messageIndex: MessageIndexRef } {
  const filter = 'messageFilter' in rows ? rows.messageFilter() : buildMessageFilter(rows);
  const footerStart = parquetFooterStart(table);
  const out = new Uint8Array(table.byteLength + filter.bytes.byteLength);
  out.set(table.subarray(0, footerStart), 0);
  out.set(filter.bytes, footerStart);
  out.set(table.subarray(footerStart), footerStart + filter.bytes.byteLength);
  return {
    table: out,
    messageIndex: {
      offset: footerStart,
      partitions: filter.partitions,
      partitionBytes: filter.partitionBytes,
      hashes: filter.hashes,
      gram: GRAM,
      stride: STRIDE,
    },
  };
}

/** Offset of the footer (FileMetaData) of a Parquet file: size − 8 − its length. */
function parquetFooterStart(file: Uint8Array): number {
  const n = file.byteLength;
  const magic = (at: number) =>
    file[at] === 0x50 && file[at + 1] === 0x41 && file[at + 2] === 0x52 && file[at + 3] === 0x31;
  if (n < 12 || !magic(0) || !magic(n - 4)) {
    throw bkError(
      'Corrupt',
      'a segment writer produced bytes that are not a Parquet file (a bug: report it)',
    );
  }
  const length = new DataView(file.buffer, file.byteOffset + n - 8, 4).getUint32(0, true);
  if (length > n - 12)
    throw bkError('Corrupt', 'a segment writer produced a Parquet footer past its start (a bug: report it)');
  return n - 8 - length;
}

/** An open-addressing set of 32-bit pairs (a segment's distinct gram hashes, without strings). */
export class PairSet {
  private a = new Uint32Array(1 << 12);
  private b = new Uint32Array(1 << 12);
  private used = new Uint8Array(1 << 12);
  size = 0;

  add(a: number, b: number): void {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const mask = this.used.length - 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    while (this.used[i]) {
      if (this.a[i] === a && this.b[i] === b) return;
      i = (i + 1) & mask;
    }
    this.used[i] = 1;
    this.a[i] = a;
    this.b[i] = b;
    this.size++;
  }

  clear(): void {
    if (this.size > 0) this.used.fill(0);
    this.size = 0;
  }

  forEach(each: (a: number, b: number) => void): void {
    for (let i = 0; i < this.used.length; i++) if (this.used[i]) each(this.a[i]!, this.b[i]!);
  }

  private grow(): void {
    const { a, b, used } = this;
    this.a = new Uint32Array(used.length * 2);
    this.b = new Uint32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.add(a[i]!, b[i]!);
  }
}

const distinctGrams = new PairSet();
