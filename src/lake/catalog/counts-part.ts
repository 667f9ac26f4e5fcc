/**
 * One part of a day's counts (`day-counts.ts`): agg rows summed per (10 s bucket, level, stream), rows
 * sorted by bucket, level code and stream code. A stream is a (stream field, value) pair, since segments
 * of a day may differ in stream field. Stored as a ZSTD body of four varint columns (bucket delta in ms, zigzag,
 * level code, stream code, count); the code tables live in the part's header entry.
 */
import { bkError } from '../../errors.js';
import type { ZstdCodec } from '../parquet/zstd.js';

/** Summed agg rows with their code tables. */
export interface CountsPart {
  levels: (string | null)[];
  streamFields: string[];
  /** Per stream code: its stream field, an index into `streamFields`. */
  streamField: Uint32Array;
  streams: string[];
  bucket: Float64Array;
  levelCode: Uint32Array;
  streamCode: Uint32Array;
  count: Float64Array;
}

/** A part as stored: its tables and row count (in the header) and its compressed body. */
export interface StoredPart {
  levels: (string | null)[];
  streamFields: string[];
  streams: [field: number, value: string][];
  rows: number;
  rawBytes: number;
  /** FNV-1a 32 of the (compressed) body: damage is found without decompressing it. */
  check: number;
  body: Uint8Array;
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

/** A part with no rows. */
export function emptyPart(): CountsPart {
  return {
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
 * A part's stored form.
 *
 * @example
 * ```ts
 * const stored = encodePart(addToPart(emptyPart(), files), zstd);
 * ```
 */
export function encodePart(part: CountsPart, zstd: ZstdCodec): StoredPart {
  const n = part.bucket.length;
  const out = new VarintWriter(n * 5 + 16);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const delta = part.bucket[i]! - previous; // < 0 only for a first bucket before 1970
    out.write(delta >= 0 ? delta * 2 : -delta * 2 - 1);
    previous = part.bucket[i]!;
  }
  for (let i = 0; i < n; i++) out.write(part.levelCode[i]!);
  for (let i = 0; i < n; i++) out.write(part.streamCode[i]!);
  for (let i = 0; i < n; i++) out.write(part.count[i]!);
  const raw = out.bytes();
  const body = zstd.compress(raw);
  return {
    levels: part.levels,
    streamFields: part.streamFields,
    streams: part.streams.map((value, i) => [part.streamField[i]!, value]),
    rows: n,
    rawBytes: raw.byteLength,
    check: fnv1a(body),
    body,
  };
}

/**
 * A stored part's rows; throws `Corrupt` (naming `key`) unless they are exactly such rows.
 *
 * @example
 * ```ts
 * const part = decodePart(stored, zstd, key);
 * ```
 */
export function decodePart(stored: StoredPart, zstd: ZstdCodec, key: string): CountsPart {
  const corrupt = (why: string, cause?: unknown) =>
    bkError('Corrupt', `the day counts ${key} are damaged (${why}); delete them, the lake rebuilds them`, {
      details: { key },
      ...(cause === undefined ? {} : { cause }),
    });
  if (!partIntact(stored)) throw corrupt('a part checksum');
  let raw: Uint8Array;
  try {
    raw = zstd.decompress(stored.body, stored.rawBytes);
  } catch (err) {
    throw corrupt('a part does not decompress', err);
  }
  if (raw.byteLength !== stored.rawBytes) throw corrupt('a part length');
  const n = stored.rows;
  const part: CountsPart = {
    levels: stored.levels,
    streamFields: stored.streamFields,
    streamField: Uint32Array.from(stored.streams, ([field]) => field),
    streams: stored.streams.map(([, value]) => value),
    bucket: new Float64Array(n),
    levelCode: new Uint32Array(n),
    streamCode: new Uint32Array(n),
    count: new Float64Array(n),
  };
  const reader = new VarintReader(raw);
  try {
    let at = 0;
    for (let i = 0; i < n; i++) {
      const zigzag = reader.read();
      part.bucket[i] = at += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    }
    for (let i = 0; i < n; i++) part.levelCode[i] = reader.read();
    for (let i = 0; i < n; i++) part.streamCode[i] = reader.read();
    for (let i = 0; i < n; i++) part.count[i] = reader.read();
  } catch (err) {
    throw corrupt('a part number', err);
  }
  if (!reader.done) throw corrupt('a part length');
  const levels = part.levels.length;
  const streams = part.streams.length;
  for (let i = 0; i < n; i++) {
    if (part.levelCode[i]! >= levels || part.streamCode[i]! >= streams)
      throw corrupt('a code past its table');
    if (i > 0 && compareRows(part, i - 1, part, i) >= 0) throw corrupt('rows out of order');
  }
  if (part.streamField.some((f) => f >= part.streamFields.length)) throw corrupt('a stream field code');
  return part;
}

/** Whether a stored part's body still has the checksum it was written with. */
export function partIntact(stored: StoredPart): boolean {
  return fnv1a(stored.body) === stored.check;
}

/** Orders rows by bucket, level code, stream code. */
function compareRows(a: CountsPart, i: number, b: CountsPart, j: number): number {
  return (
    a.bucket[i]! - b.bucket[j]! || a.levelCode[i]! - b.levelCode[j]! || a.streamCode[i]! - b.streamCode[j]!
  );
}

/**
 * `base` plus more rows (agg files or other parts), summed where bucket, level and stream are equal.
 *
 * @example
 * ```ts
 * const part = addToPart(emptyPart(), [aggFileToPart(rows)]);
 * ```
 */
export function addToPart(base: CountsPart, more: readonly CountsPart[]): CountsPart {
  const levels = [...base.levels];
  const levelIds = new Map(levels.map((l, i) => [l, i]));
  const streamFields = [...base.streamFields];
  const fieldIds = new Map(streamFields.map((f, i) => [f, i]));
  const streams = [...base.streams];
  const streamField = [...base.streamField];
  const streamIds = new Map(streams.map((v, i) => [`${streamField[i]}\u0000${v}`, i]));
  const total = more.reduce((n, p) => n + p.bucket.length, 0);
  const add: CountsPart = {
    ...emptyPart(),
    bucket: new Float64Array(total),
    levelCode: new Uint32Array(total),
    streamCode: new Uint32Array(total),
    count: new Float64Array(total),
  };
  let at = 0;
  for (const part of more) {
    const fieldMap = part.streamFields.map((name) => {
      let code = fieldIds.get(name);
      if (code === undefined) {
        code = streamFields.push(name) - 1;
        fieldIds.set(name, code);
      }
      return code;
    });
    const levelMap = part.levels.map((level) => {
      let code = levelIds.get(level);
      if (code === undefined) {
        code = levels.push(level) - 1;
        levelIds.set(level, code);
      }
      return code;
    });
    const streamMap = part.streams.map((value, s) => {
      const field = fieldMap[part.streamField[s]!]!;
      const id = `${field}\u0000${value}`;
      let code = streamIds.get(id);
      if (code === undefined) {
        code = streams.push(value) - 1;
        streamField.push(field);
        streamIds.set(id, code);
      }
      return code;
    });
    for (let i = 0; i < part.bucket.length; i++, at++) {
      add.bucket[at] = part.bucket[i]!;
      add.levelCode[at] = levelMap[part.levelCode[i]!]!;
      add.streamCode[at] = streamMap[part.streamCode[i]!]!;
      add.count[at] = part.count[i]!;
    }
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((i, j) => compareRows(add, i, add, j));
  const n = base.bucket.length;
  const out: CountsPart = {
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
  const push = (from: CountsPart, i: number) => {
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
  // a copy only when summing freed much: copying four nearly full columns doubled a refresh's peak
  const trim = 2 * size < n + total ? 'slice' : 'subarray';
  out.bucket = out.bucket[trim](0, size);
  out.levelCode = out.levelCode[trim](0, size);
  out.streamCode = out.streamCode[trim](0, size);
  out.count = out.count[trim](0, size);
  return out;
}

/** An agg file's rows as a part (one stream field). */
export function aggFilePart(rows: AggFileRows): CountsPart {
  return {
    levels: rows.levels,
    streamFields: [rows.streamField],
    streamField: new Uint32Array(rows.streams.length),
    streams: rows.streams,
    bucket: rows.bucket,
    levelCode: rows.levelCode,
    streamCode: rows.streamCode,
    count: rows.count,
  };
}

/** FNV-1a 32 of bytes (a checksum against damage, not against an adversary). */
export function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

class VarintWriter {
  private buffer: Uint8Array;
  private length = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }
  /** A whole number in [0, 2^53). */
  write(value: number): void {
    if (this.length + 8 > this.buffer.length) {
      const bigger = new Uint8Array(this.buffer.length * 2 + 16);
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
    }
    if (value >= 0 && value < 0x80) {
      this.buffer[this.length++] = value;
      return;
    }
    if (!(Number.isSafeInteger(value) && value >= 0))
      throw bkError('InvalidArgument', `day counts hold whole numbers ≥ 0, not ${value}`);
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
    const first = this.bytes[this.at];
    if (first !== undefined && first < 0x80) {
      this.at++;
      return first;
    }
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
