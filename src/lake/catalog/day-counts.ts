/**
 * A day's counts: the 10 s agg rows of a set of segments, summed into one object per (org, day), so a
 * count over a day needs one GET instead of one per agg file. It is a cache of immutable files: the rows
 * are exactly the sum of the agg files of the segments it names, so it is right whenever those segments
 * are still live (or were compacted into live segments, see {@link coveredSegments}), and a query counts
 * every other segment from its own agg file. Being stale costs requests, never a wrong count.
 *
 * Stored as `BKLC` + version byte + a UTF-8 JSON header (length-prefixed) + a ZSTD body of four varint
 * columns (bucket delta in ms, level code, stream code, count), rows sorted by bucket and unique per
 * (bucket, level, stream).
 */
import { bkError } from '../../errors.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import type { IndexedSegment } from './day-index.js';

export const DAY_COUNTS_FORMAT = 'bucketkit.lake.counts/1';

/** Summed agg rows; a stream is a (stream field, value) pair, as segments of a day may differ in field. */
export interface DayCounts {
  /** Ids of the segments whose agg rows are summed here, sorted. */
  segments: string[];
  levels: (string | null)[];
  streamFields: string[];
  /** Per stream code: its stream field (an index into `streamFields`) and value. */
  streamField: Uint32Array;
  streams: string[];
  bucket: Float64Array;
  levelCode: Uint32Array;
  streamCode: Uint32Array;
  count: Float64Array;
}

interface Header {
  format: typeof DAY_COUNTS_FORMAT;
  segments: string[];
  levels: (string | null)[];
  streamFields: string[];
  streams: [field: number, value: string][];
  rows: number;
  bodyBytes: number;
}

const MAGIC = [0x42, 0x4b, 0x4c, 0x43, 1]; // "BKLC", version 1

/** No counts: covers no segment. */
export function emptyDayCounts(): DayCounts {
  return {
    segments: [],
    levels: [],
    streamFields: [],
    streamField: new Uint32Array(0),
    streams: [],
    bucket: new Float64Array(0),
    levelCode: new Uint32Array(0),
    streamCode: new Uint32Array(0),
    count: new Float64Array(0),
  };
}

/**
 * The stored bytes of a day's counts.
 *
 * @example
 * ```ts
 * await port.put(dayCountsKey(org, dateint), encodeDayCounts(counts, zstd));
 * ```
 */
export function encodeDayCounts(counts: DayCounts, zstd: ZstdCodec): Uint8Array {
  const n = counts.bucket.length;
  const body = new VarintWriter(n * 6 + 16);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    body.write(counts.bucket[i]! - previous);
    previous = counts.bucket[i]!;
  }
  for (let i = 0; i < n; i++) body.write(counts.levelCode[i]!);
  for (let i = 0; i < n; i++) body.write(counts.streamCode[i]!);
  for (let i = 0; i < n; i++) body.write(counts.count[i]!);
  const raw = body.bytes();
  const header: Header = {
    format: DAY_COUNTS_FORMAT,
    segments: counts.segments,
    levels: counts.levels,
    streamFields: counts.streamFields,
    streams: counts.streams.map((value, i) => [counts.streamField[i]!, value]),
    rows: n,
    bodyBytes: raw.byteLength,
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const compressed = zstd.compress(raw);
  const out = new Uint8Array(MAGIC.length + 4 + head.byteLength + compressed.byteLength);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.byteLength, true);
  out.set(head, MAGIC.length + 4);
  out.set(compressed, MAGIC.length + 4 + head.byteLength);
  return out;
}

/**
 * Parses stored counts; `Corrupt` for anything that is not exactly such an object.
 *
 * @example
 * ```ts
 * const counts = decodeDayCounts(await got.bytes(), zstd, key);
 * ```
 */
export function decodeDayCounts(bytes: Uint8Array, zstd: ZstdCodec, key: string): DayCounts {
  const corrupt = (why: string, cause?: unknown) =>
    bkError('Corrupt', `the day counts ${key} are damaged (${why}); delete them, the lake rebuilds them`, {
      details: { key },
      ...(cause === undefined ? {} : { cause }),
    });
  if (bytes.byteLength < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b))
    throw corrupt('no BKLC header');
  const headLength = new DataView(bytes.buffer, bytes.byteOffset + MAGIC.length, 4).getUint32(0, true);
  const bodyStart = MAGIC.length + 4 + headLength;
  if (bodyStart > bytes.byteLength) throw corrupt('header past the end');
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MAGIC.length + 4, bodyStart)),
    );
  } catch (err) {
    throw corrupt('header is not JSON', err);
  }
  if (!validHeader(header)) throw corrupt('header fields');
  let raw: Uint8Array;
  try {
    raw = zstd.decompress(bytes.subarray(bodyStart), header.bodyBytes);
  } catch (err) {
    throw corrupt('body does not decompress', err);
  }
  if (raw.byteLength !== header.bodyBytes) throw corrupt('body length');
  const n = header.rows;
  const reader = new VarintReader(raw);
  const counts: DayCounts = {
    segments: header.segments,
    levels: header.levels,
    streamFields: header.streamFields,
    streamField: Uint32Array.from(header.streams, ([field]) => field),
    streams: header.streams.map(([, value]) => value),
    bucket: new Float64Array(n),
    levelCode: new Uint32Array(n),
    streamCode: new Uint32Array(n),
    count: new Float64Array(n),
  };
  try {
    let at = 0;
    for (let i = 0; i < n; i++) counts.bucket[i] = at += reader.read();
    for (let i = 0; i < n; i++) counts.levelCode[i] = reader.read();
    for (let i = 0; i < n; i++) counts.streamCode[i] = reader.read();
    for (let i = 0; i < n; i++) counts.count[i] = reader.read();
  } catch (err) {
    throw corrupt('body numbers', err);
  }
  if (!reader.done) throw corrupt('body length');
  for (let i = 0; i < n; i++) {
    if (counts.levelCode[i]! >= counts.levels.length || counts.streamCode[i]! >= counts.streams.length)
      throw corrupt('a code past its table');
    if (i > 0 && compareRows(counts, i - 1, counts, i) >= 0) throw corrupt('rows out of order');
  }
  if (counts.streamField.some((f) => f >= counts.streamFields.length)) throw corrupt('a stream field code');
  return counts;
}

function validHeader(h: Header): boolean {
  const strings = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'string');
  return (
    h !== null &&
    typeof h === 'object' &&
    h.format === DAY_COUNTS_FORMAT &&
    strings(h.segments) &&
    Array.isArray(h.levels) &&
    h.levels.every((v) => v === null || typeof v === 'string') &&
    strings(h.streamFields) &&
    Array.isArray(h.streams) &&
    h.streams.every(
      (s) =>
        Array.isArray(s) && s.length === 2 && Number.isInteger(s[0]) && s[0] >= 0 && typeof s[1] === 'string',
    ) &&
    Number.isInteger(h.rows) &&
    h.rows >= 0 &&
    h.rows <= 50_000_000 &&
    Number.isInteger(h.bodyBytes) &&
    h.bodyBytes >= 0 &&
    h.bodyBytes <= 64 * 2 ** 20
  );
}

/**
 * The live segments of a day whose rows stored counts hold, or undefined when the counts cannot be used
 * (they hold rows of a segment that is no longer live and was not compacted into a live one whose inputs
 * they all hold). A compaction output whose inputs are all covered is covered: its agg rows are their sum.
 *
 * @example
 * ```ts
 * const covered = coveredSegments(counts.segments, index.segments); // Map id → segment, or undefined
 * ```
 */
export function coveredSegments(
  ids: readonly string[],
  segments: readonly IndexedSegment[],
): Map<string, IndexedSegment> | undefined {
  const covered = new Set(ids);
  const outputs = segments.filter((s) => s.replaces !== undefined && s.replaces.length > 0);
  for (let changed = true; changed; ) {
    changed = false;
    for (const output of outputs) {
      if (covered.has(output.id) || !output.replaces!.every((id) => covered.has(id))) continue;
      for (const id of output.replaces!) covered.delete(id);
      covered.add(output.id);
      changed = true;
    }
  }
  const live = new Map(segments.filter((s) => s.published && s.aggBytes > 0).map((s) => [s.id, s]));
  const out = new Map<string, IndexedSegment>();
  for (const id of covered) {
    const segment = live.get(id);
    if (!segment) return undefined;
    out.set(id, segment);
  }
  return out;
}

/** Orders rows by bucket, level code, stream code. */
function compareRows(a: DayCounts, i: number, b: DayCounts, j: number): number {
  return (
    a.bucket[i]! - b.bucket[j]! || a.levelCode[i]! - b.levelCode[j]! || a.streamCode[i]! - b.streamCode[j]!
  );
}

/** One agg file's rows, decoded: codes into its level and stream tables (all streams of one field). */
export interface AggFileRows {
  bucket: Float64Array;
  count: Float64Array;
  levelCode: Uint32Array;
  levels: (string | null)[];
  streamCode: Uint32Array;
  streams: string[];
  streamField: string;
}

/**
 * `base` plus the agg rows of more segments (their ids join `segments`). Rows with the same bucket, level
 * and stream are summed.
 *
 * @example
 * ```ts
 * const next = addToDayCounts(counts, [{ id: segment.id, rows: decodedAggFile }]);
 * ```
 */
export function addToDayCounts(
  base: DayCounts,
  files: readonly { id: string; rows: AggFileRows }[],
): DayCounts {
  const levels = [...base.levels];
  const levelIds = new Map(levels.map((l, i) => [l, i]));
  const streamFields = [...base.streamFields];
  const fieldIds = new Map(streamFields.map((f, i) => [f, i]));
  const streams = [...base.streams];
  const streamField = [...base.streamField];
  const streamIds = new Map(streams.map((v, i) => [`${streamField[i]}\u0000${v}`, i]));
  const total = files.reduce((n, f) => n + f.rows.bucket.length, 0);
  const add: DayCounts = {
    ...emptyDayCounts(),
    bucket: new Float64Array(total),
    levelCode: new Uint32Array(total),
    streamCode: new Uint32Array(total),
    count: new Float64Array(total),
  };
  let at = 0;
  for (const { rows } of files) {
    let field = fieldIds.get(rows.streamField);
    if (field === undefined) {
      field = streamFields.push(rows.streamField) - 1;
      fieldIds.set(rows.streamField, field);
    }
    const levelMap = rows.levels.map((level) => {
      let code = levelIds.get(level);
      if (code === undefined) {
        code = levels.push(level) - 1;
        levelIds.set(level, code);
      }
      return code;
    });
    const streamMap = rows.streams.map((value) => {
      const id = `${field}\u0000${value}`;
      let code = streamIds.get(id);
      if (code === undefined) {
        code = streams.push(value) - 1;
        streamField.push(field);
        streamIds.set(id, code);
      }
      return code;
    });
    for (let i = 0; i < rows.bucket.length; i++, at++) {
      add.bucket[at] = rows.bucket[i]!;
      add.levelCode[at] = levelMap[rows.levelCode[i]!]!;
      add.streamCode[at] = streamMap[rows.streamCode[i]!]!;
      add.count[at] = rows.count[i]!;
    }
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((i, j) => compareRows(add, i, add, j));
  const n = base.bucket.length;
  const out: DayCounts = {
    segments: [...new Set([...base.segments, ...files.map((f) => f.id)])].sort(),
    levels,
    streamFields,
    streamField: Uint32Array.from(streamField),
    streams,
    bucket: new Float64Array(n + total),
    levelCode: new Uint32Array(n + total),
    streamCode: new Uint32Array(n + total),
    count: new Float64Array(n + total),
  };
  let size = 0;
  const push = (from: DayCounts, i: number) => {
    if (size > 0 && compareRows(out, size - 1, from, i) === 0) {
      out.count[size - 1]! += from.count[i]!;
      return;
    }
    out.bucket[size] = from.bucket[i]!;
    out.levelCode[size] = from.levelCode[i]!;
    out.streamCode[size] = from.streamCode[i]!;
    out.count[size] = from.count[i]!;
    size++;
  };
  let i = 0;
  let k = 0;
  while (i < n || k < total) {
    if (k >= total || (i < n && compareRows(base, i, add, order[k]!) <= 0)) push(base, i++);
    else push(add, order[k++]!);
  }
  out.bucket = out.bucket.slice(0, size);
  out.levelCode = out.levelCode.slice(0, size);
  out.streamCode = out.streamCode.slice(0, size);
  out.count = out.count.slice(0, size);
  return out;
}

class VarintWriter {
  private buffer: Uint8Array;
  private length = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }
  /** A whole number in [0, 2^53). */
  write(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0))
      throw bkError('InvalidArgument', `day counts hold whole numbers ≥ 0, not ${value}`);
    if (this.length + 8 > this.buffer.length) {
      const bigger = new Uint8Array(this.buffer.length * 2 + 16);
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
    }
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
  }
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

class VarintReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at === this.bytes.length;
  }
  read(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.bytes.length) throw bkError('Corrupt', 'day counts end inside a number');
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw bkError('Corrupt', 'day counts hold a number over 8 bytes');
  }
}
