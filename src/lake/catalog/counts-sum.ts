/**
 * Summing many agg files into one counts part (`counts-part.ts`) a file at a time, for the day-counts
 * refresh. Each file's rows are appended to columns sized once for all of them, and sorted and summed in
 * place at the end: no decoded file outlives its `add`, and nothing is copied per file (folding files
 * into a part with `addToPart` copies the part each time, and the copies were most of a 1 GiB DuckDB
 * ingest's peak memory). The part is the one `addToPart(emptyPart(), files)` gives: same code tables
 * (codes in order of first appearance), same rows.
 */
import type { AggFileRows, CountsPart } from './counts-part.js';

/**
 * Agg files summed into one part.
 *
 * @example
 * ```ts
 * const sum = new AggRowsSum(rowsOfAllFiles);
 * for (const bytes of files) sum.add(await decodeAggFile(bytes, key, streamField, zstd));
 * const part = sum.part();
 * ```
 */
export class AggRowsSum {
  private readonly levels: (string | null)[] = [];
  private readonly levelIds = new Map<string | null, number>();
  private readonly streamFields: string[] = [];
  private readonly fieldIds = new Map<string, number>();
  private readonly streams: string[] = [];
  private readonly streamField: number[] = [];
  private readonly streamIds = new Map<string, number>();
  private bucket: Float64Array;
  private levelCode: Uint32Array;
  private streamCode: Uint32Array;
  private count: Float64Array;
  private size = 0;

  /** `capacity`: the rows of all files to come (more is allowed, at the cost of growing the columns). */
  constructor(capacity: number) {
    this.bucket = new Float64Array(capacity);
    this.levelCode = new Uint32Array(capacity);
    this.streamCode = new Uint32Array(capacity);
    this.count = new Float64Array(capacity);
  }

  /** Appends one file's rows (the file's arrays are not kept). */
  add(rows: AggFileRows): void {
    const field = this.code(this.fieldIds, this.streamFields, rows.streamField);
    const levelMap = rows.levels.map((level) => this.code(this.levelIds, this.levels, level));
    const streamMap = rows.streams.map((value) => {
      const id = `${field}\u0000${value}`;
      let code = this.streamIds.get(id);
      if (code === undefined) {
        code = this.streams.push(value) - 1;
        this.streamField.push(field);
        this.streamIds.set(id, code);
      }
      return code;
    });
    const n = rows.bucket.length;
    if (this.size + n > this.bucket.length) this.grow(this.size + n);
    for (let i = 0, at = this.size; i < n; i++, at++) {
      this.bucket[at] = rows.bucket[i]!;
      this.levelCode[at] = levelMap[rows.levelCode[i]!]!;
      this.streamCode[at] = streamMap[rows.streamCode[i]!]!;
      this.count[at] = rows.count[i]!;
    }
    this.size += n;
  }

  /**
   * The summed part: rows sorted by bucket, level code, stream code, equal ones summed. Its columns are
   * views of this object's, so `add` must not be called afterwards.
   */
  part(): CountsPart {
    const { bucket, levelCode, streamCode, count } = this;
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort(
      (i, j) => bucket[i]! - bucket[j]! || levelCode[i]! - levelCode[j]! || streamCode[i]! - streamCode[j]!,
    );
    this.permute(order);
    let size = 0;
    for (let i = 0; i < order.length; i++) {
      const last = size - 1;
      if (
        size > 0 &&
        bucket[last] === bucket[i] &&
        levelCode[last] === levelCode[i] &&
        streamCode[last] === streamCode[i]
      ) {
        count[last]! += count[i]!;
        continue;
      }
      bucket[size] = bucket[i]!;
      levelCode[size] = levelCode[i]!;
      streamCode[size] = streamCode[i]!;
      count[size] = count[i]!;
      size++;
    }
    return {
      levels: this.levels,
      streamFields: this.streamFields,
      streamField: Uint32Array.from(this.streamField),
      streams: this.streams,
      bucket: bucket.subarray(0, size),
      levelCode: levelCode.subarray(0, size),
      streamCode: streamCode.subarray(0, size),
      count: count.subarray(0, size),
    };
  }

  /**
   * Moves row `order[k]` to row `k` for every k, cycle by cycle, without a second copy of the columns;
   * `order` ends as 0, 1, 2, …
   */
  private permute(order: Uint32Array): void {
    const { bucket, levelCode, streamCode, count } = this;
    for (let start = 0; start < order.length; start++) {
      if (order[start] === start) continue;
      const firstBucket = bucket[start]!;
      const firstLevel = levelCode[start]!;
      const firstStream = streamCode[start]!;
      const firstCount = count[start]!;
      let at = start;
      for (let from = order[at]!; from !== start; from = order[at]!) {
        bucket[at] = bucket[from]!;
        levelCode[at] = levelCode[from]!;
        streamCode[at] = streamCode[from]!;
        count[at] = count[from]!;
        order[at] = at;
        at = from;
      }
      bucket[at] = firstBucket;
      levelCode[at] = firstLevel;
      streamCode[at] = firstStream;
      count[at] = firstCount;
      order[at] = at;
    }
  }

  private code<T>(ids: Map<T, number>, table: T[], value: T): number {
    let code = ids.get(value);
    if (code === undefined) {
      code = table.push(value) - 1;
      ids.set(value, code);
    }
    return code;
  }

  private grow(rows: number): void {
    const capacity = Math.max(rows, Math.ceil(this.bucket.length * 1.5));
    const grown = <A extends Float64Array | Uint32Array>(from: A, to: A): A => {
      to.set(from.subarray(0, this.size));
      return to;
    };
    this.bucket = grown(this.bucket, new Float64Array(capacity));
    this.levelCode = grown(this.levelCode, new Uint32Array(capacity));
    this.streamCode = grown(this.streamCode, new Uint32Array(capacity));
    this.count = grown(this.count, new Float64Array(capacity));
  }
}
