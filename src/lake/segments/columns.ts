/**
 * Column stores of a `LogBuffer` (`log-buffer.ts`): strings kept outside the JavaScript heap, so the rows
 * an ingest collects for a segment are a few typed arrays instead of tens of thousands of objects that V8
 * promotes to its old generation, keeps and then sizes its heap after.
 */

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF that is part of a value (the default decoder would drop it)
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Strings as UTF-8 in one growing byte array: entry `i` is `bytes[starts[i], starts[i + 1])`. */
export class ByteArena {
  bytes = new Uint8Array(1 << 16);
  private starts = new Uint32Array(1025);
  /** Entries held. */
  length = 0;

  /** Appends `text` and returns its entry number. */
  push(text: string): number {
    const at = this.starts[this.length]!;
    // encodeInto needs room for the worst case (3 bytes per UTF-16 unit); ASCII uses one
    if (this.bytes.byteLength - at < text.length * 3) this.growBytes(at + text.length * 3);
    const { written } = encoder.encodeInto(text, this.bytes.subarray(at));
    if (this.length + 2 > this.starts.length) this.starts = grown(this.starts, this.length + 2);
    this.starts[++this.length] = at + written;
    return this.length - 1;
  }

  /** Entry `i` as a view of the arena (valid until the next `push` or `clear`). */
  view(i: number): Uint8Array {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]!);
  }

  text(i: number): string {
    return decoder.decode(this.view(i));
  }

  /** Forgets every entry, keeping the memory for the next segment. */
  clear(): void {
    this.length = 0;
  }

  private growBytes(need: number): void {
    let size = this.bytes.byteLength * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.starts[this.length]!));
    this.bytes = next;
  }
}

/** Distinct values a column keeps as JavaScript strings before the rest go to its byte arena. */
const MAX_DICTIONARY = 4096;
/** Longer values always go to the arena (long values are rarely repeated). */
const MAX_DICTIONARY_LENGTH = 256;
const MISSING = -1;

/**
 * A nullable string column: a code per row, ≥ 0 for one of its few distinct values (kept once as a
 * string, as resource names, levels and pods repeat), −1 for none, ≤ −2 for a value in its byte arena
 * (values past the dictionary's cap: ids and other per-row values).
 */
export class StringColumn {
  codes: Int32Array;
  readonly dictionary: string[] = [];
  private readonly known = new Map<string, number>();
  private readonly arena = new ByteArena();
  /** Rows with a value. */
  present = 0;

  constructor(capacity: number) {
    this.codes = new Int32Array(capacity).fill(MISSING);
  }

  set(row: number, value: string | null | undefined): void {
    if (row >= this.codes.length) this.reserve(row + 1);
    if (value === null || value === undefined) {
      this.codes[row] = MISSING;
      return;
    }
    this.present++;
    let code = this.known.get(value);
    if (code === undefined) {
      if (this.dictionary.length < MAX_DICTIONARY && value.length <= MAX_DICTIONARY_LENGTH) {
        code = this.dictionary.length;
        this.dictionary.push(value);
        this.known.set(value, code);
      } else code = -2 - this.arena.push(value);
    }
    this.codes[row] = code;
  }

  /** The value of a row (a new string for arena values), null when it has none. */
  get(row: number): string | null {
    const code = this.codes[row]!;
    if (code >= 0) return this.dictionary[code]!;
    return code === MISSING ? null : this.arena.text(-2 - code);
  }

  /**
   * Rows `0 … rows − 1` numbered by value: `values` holds the distinct values sorted (null first; rows
   * without a value count as `missing`), and `ids[row]` is its value's place in `values`.
   */
  distinct(rows: number, missing: string | null): { ids: Int32Array; values: (string | null)[] } {
    const codes = this.codes;
    const used = new Uint8Array(this.dictionary.length);
    const found = new Set<string | null>();
    const overflow: string[] = []; // arena values, in row order
    for (let i = 0; i < rows; i++) {
      const code = codes[i]!;
      if (code >= 0) used[code] = 1;
      else if (code === MISSING) found.add(missing);
      else overflow.push(this.arena.text(-2 - code));
    }
    for (let c = 0; c < used.length; c++) if (used[c]) found.add(this.dictionary[c]!);
    for (const value of overflow) found.add(value);
    const values = [...found].sort(compareNullFirst);
    const idOf = new Map(values.map((value, id) => [value, id]));
    const codeIds = this.dictionary.map((value) => idOf.get(value) ?? -1);
    const missingId = idOf.get(missing) ?? -1;
    const ids = new Int32Array(rows);
    let next = 0;
    for (let i = 0; i < rows; i++) {
      const code = codes[i]!;
      ids[i] = code >= 0 ? codeIds[code]! : code === MISSING ? missingId : idOf.get(overflow[next++]!)!;
    }
    return { ids, values };
  }

  /** Makes room for `rows` rows; new rows have no value. */
  reserve(rows: number): void {
    if (rows > this.codes.length) this.codes = grown(this.codes, rows, MISSING);
  }

  /** Forgets every row and value, keeping the code array for the next segment. */
  clear(rows: number): void {
    this.codes.fill(MISSING, 0, rows);
    this.dictionary.length = 0;
    this.known.clear();
    this.arena.clear();
    this.present = 0;
  }
}

function compareNullFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** A copy of `array` with room for at least `need` elements (doubling), new ones set to `fill`. */
export function grown<T extends Int32Array | Uint32Array | Float64Array | BigInt64Array | Uint8Array>(
  array: T,
  need: number,
  fill?: number,
): T {
  let size = Math.max(16, array.length * 2);
  while (size < need) size *= 2;
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array as never);
  if (fill !== undefined) (next as Int32Array).fill(fill, array.length);
  return next;
}
