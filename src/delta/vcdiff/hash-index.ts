/**
 * Hash chains over the reference's 8-byte keys, sampled every `step` positions so big references
 * keep a bounded index: the encoder's way to find where the bytes at a target position already occur
 * in the reference (`target-index.ts` does the same within the target window).
 */

/** Bytes hashed per source key; a source match is found when it is at least this long. */
export const SOURCE_KEY = 8;
/** Bytes hashed per target key: the shortest COPY the default code table encodes compactly. */
export const TARGET_KEY = 4;
/** Head-table slices of 2^15 entries (128 KiB) fit a core's L2 cache; bigger tables are built by slice. */
const SLICE_BITS = 15;
/** At most this many source positions are indexed (4 bytes each in the chain array). */
const MAX_SOURCE_ENTRIES = 1 << 22;
/**
 * A head entry of a table built by slices holds the entry number in its low 22 bits and, above,
 * 9 low bits of the key's 32-bit hash: a lookup whose key differs is told apart without reading the
 * reference (another cache miss).
 */
const ENTRY_MASK = MAX_SOURCE_ENTRIES - 1;
const TAG_SHIFT = 22;
const TAG_MASK = 0x1ff;

export function word(data: Uint8Array, p: number): number {
  return (
    (data[p] as number) |
    ((data[p + 1] as number) << 8) |
    ((data[p + 2] as number) << 16) |
    ((data[p + 3] as number) << 24)
  );
}

/** Hash of the 8 bytes at `p` (the caller guarantees they exist), in `bits` bits. Keep in step with `buildRolling`. */
export function hash8(data: Uint8Array, p: number, bits: number): number {
  const a = word(data, p);
  const b = word(data, p + 4);
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (a >>> 15), 0x85ebca77)) >>> (32 - bits);
}

export function tableBits(entries: number, maxBits: number): number {
  let bits = 10;
  while (1 << bits < entries && bits < maxBits) bits++;
  return bits;
}

/** Entries sampled across the reference to estimate how many distinct keys it has. */
const SAMPLES = 1 << 16;

/**
 * True when a sample of the reference's keys repeats a lot (text, source code, logs, padding): then
 * the head entries in use stay in cache and the plain build loop beats the slice-by-slice one.
 */
function fewKeys(source: Uint8Array, step: number, entries: number, bits: number): boolean {
  const stride = Math.max(1, Math.floor(entries / SAMPLES));
  const seen = new Uint8Array(1 << (bits - 3));
  let samples = 0;
  let distinct = 0;
  for (let e = 0; e < entries && samples < SAMPLES; e += stride, samples++) {
    const h = hash8(source, e * step, bits);
    const bit = 1 << (h & 7);
    if (((seen[h >>> 3] as number) & bit) === 0) {
      seen[h >>> 3] = (seen[h >>> 3] as number) | bit;
      distinct++;
    }
  }
  // Steps 1-2 build by rolling hashes with shared slots: cheaper than slices for source code, whose
  // samples are 55-65 % distinct (npm tarballs), where compressed data is ~90 % and more. Sparser
  // steps (references over 8 MiB) keep 1/2: shared slots cost typescript's 31 MB tar 2 % of its delta.
  return distinct < samples * (step <= 2 ? 0.75 : 0.5);
}

/** Positions of the reference, bucketed by the hash of the 8 bytes starting there. */
export class SourceIndex {
  readonly step: number;
  readonly bits: number;
  /** True when head slots are shared by design (`spread` applied): chains interleave several keys. */
  readonly shared: boolean;
  /** Newest entry per bucket, as an entry number (position / step) and a tag (`TAG_SHIFT`), or -1. */
  private readonly head: Int32Array;
  /** True when the head entries carry tags (tables built by slices: keys that rarely repeat). */
  private tagged = false;
  /** The previous entry with the same hash, or -1. */
  private readonly chain: Int32Array;

  /**
   * Indexes every `minStep`-th position (more apart for references over 2^23 positions); with a step
   * above 1 a match is still found from the target position that lines up with a sampled one, and
   * extended backward from there. `spread` (≥ 1) is how many entries share a head slot on average: a
   * smaller table stays in cache while it is built, at the price of more collisions in the chains;
   * it applies only to references whose keys repeat a lot (text, logs, archives of them).
   */
  constructor(
    readonly source: Uint8Array,
    minStep = 1,
    spread = 1,
  ) {
    const positions = Math.max(0, source.length - SOURCE_KEY + 1);
    this.step = Math.max(minStep, Math.ceil(positions / MAX_SOURCE_ENTRIES));
    const entries = Math.ceil(positions / this.step);
    const fullBits = tableBits(entries, 24);
    const repetitive = fullBits <= SLICE_BITS || fewKeys(source, this.step, entries, fullBits);
    // Keys that repeat a lot need fewer slots than entries; distinct keys (random data) keep one
    // slot per entry, since every extra key in a chain is one more cache miss to skip it.
    this.bits = repetitive ? tableBits(Math.ceil(entries / spread), 24) : fullBits;
    this.shared = this.bits < fullBits;
    this.head = new Int32Array(1 << this.bits).fill(-1);
    this.chain = new Int32Array(entries);
    if (!repetitive) {
      this.buildBySlices(entries);
    } else if (this.step <= 2) {
      this.buildRolling(entries);
    } else {
      for (let e = 0; e < entries; e++) {
        const h = hash8(source, e * this.step, this.bits);
        this.chain[e] = this.head[h] as number;
        this.head[h] = e;
      }
    }
  }

  /**
   * The plain build for steps 1 and 2: `hash8` with its two words rolled `step` bytes at a time
   * (2 or 4 loads per entry, not 8).
   */
  private buildRolling(entries: number): void {
    const { source, head, chain, step } = this;
    const shift = 32 - this.bits;
    let a = entries > 0 ? word(source, 0) : 0;
    let b = entries > 0 ? word(source, 4) : 0;
    for (let e = 0, p = 0; e < entries; e++, p += step) {
      const h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (a >>> 15), 0x85ebca77)) >>> shift;
      chain[e] = head[h] as number;
      head[h] = e;
      if (e + 1 === entries) break;
      if (step === 1) {
        a = (a >>> 8) | ((source[p + 4] as number) << 24);
        b = (b >>> 8) | ((source[p + 8] as number) << 24);
      } else {
        a = (a >>> 16) | ((source[p + 4] as number) << 16) | ((source[p + 5] as number) << 24);
        b = (b >>> 16) | ((source[p + 8] as number) << 16) | ((source[p + 9] as number) << 24);
      }
    }
  }

  /**
   * The same table as the simple loop, built slice by slice: a head table of megabytes written in
   * hash order misses the CPU cache on every entry, so the entries are first grouped (stably, by a
   * counting sort) by the slice of the table their hash falls in, and each slice (128 KiB) is then
   * filled while it stays in cache. Costs 8 bytes per entry while building.
   */
  private buildBySlices(entries: number): void {
    const { bits, head, chain } = this;
    const toSlot = 32 - bits;
    const shift = toSlot + SLICE_BITS;
    const starts = new Int32Array((1 << (bits - SLICE_BITS)) + 1);
    const byEntry = this.hashes(entries);
    for (let e = 0; e < entries; e++) {
      const slice = ((byEntry[e] as number) >>> shift) + 1;
      starts[slice] = (starts[slice] as number) + 1;
    }
    for (let i = 1; i < starts.length; i++) starts[i] = (starts[i] as number) + (starts[i - 1] as number);
    const order = new Int32Array(entries);
    const hashes = new Int32Array(entries);
    for (let e = 0; e < entries; e++) {
      const h = byEntry[e] as number;
      const at = starts[h >>> shift] as number;
      starts[h >>> shift] = at + 1;
      order[at] = e;
      hashes[at] = h;
    }
    for (let i = 0; i < entries; i++) {
      const e = order[i] as number;
      const full = hashes[i] as number;
      const h = full >>> toSlot;
      const previous = head[h] as number;
      // Without its tag, or -1 (no branch: random keys would mispredict it).
      chain[e] = (previous & ENTRY_MASK) | (previous >> 31);
      head[h] = e | ((full & TAG_MASK) << TAG_SHIFT);
    }
    this.tagged = true;
  }

  /** Every entry's 32-bit `hash8`, computed once (rolled a byte or two at a time for steps 1 and 2). */
  private hashes(entries: number): Int32Array {
    const { source, step } = this;
    const out = new Int32Array(entries);
    if (step > 2) {
      for (let e = 0; e < entries; e++) out[e] = hash8(source, e * step, 32);
      return out;
    }
    let a = entries > 0 ? word(source, 0) : 0;
    let b = entries > 0 ? word(source, 4) : 0;
    for (let e = 0, p = 0; e < entries; e++, p += step) {
      out[e] = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (a >>> 15), 0x85ebca77);
      if (e + 1 === entries) break;
      if (step === 1) {
        a = (a >>> 8) | ((source[p + 4] as number) << 24);
        b = (b >>> 8) | ((source[p + 8] as number) << 24);
      } else {
        a = (a >>> 16) | ((source[p + 4] as number) << 16) | ((source[p + 5] as number) << 24);
        b = (b >>> 16) | ((source[p + 8] as number) << 16) | ((source[p + 9] as number) << 24);
      }
    }
    return out;
  }

  /** The newest reference position whose key hashes to `hash` (`hash8` in `bits` bits), or -1. */
  first(hash: number): number {
    const e = this.head[hash] as number;
    return e < 0 ? -1 : (e & ENTRY_MASK) * this.step;
  }

  /**
   * True when the newest entry of the slot of `full` (`hash8` in 32 bits) surely holds another key:
   * its tag differs. False when untagged, empty or possibly the same key.
   */
  newestDiffers(full: number): boolean {
    if (!this.tagged) return false;
    const e = this.head[full >>> (32 - this.bits)] as number;
    return e >= 0 && e >>> TAG_SHIFT !== (full & TAG_MASK);
  }

  /** The next older reference position in the same chain as `position`, or -1. */
  next(position: number): number {
    const e = this.chain[position / this.step] as number;
    return e < 0 ? -1 : e * this.step;
  }
}
