/**
 * An LZMA encoder (lc 3, lp 0, pb 2) for xdelta3-style secondary compression: one history grows with
 * every section appended, so a section can copy from the sections of the same kind before it, and its
 * model (probabilities, state, the four recent distances) carries over too. Parsing is greedy with a
 * one-step lazy check, over 3-byte hash chains; recent distances are preferred when nearly as long,
 * which is what makes LZMA small on VCDIFF's instruction and address bytes.
 * `snapshot`/`restore` let the caller drop a section that did not get smaller.
 */
import { PROB_INIT, type RangeEncoder } from './range-encoder.js';

/** `(pb * 5 + lp) * 9 + lc`: the LZMA properties byte. */
export const LZMA_PROPS = (2 * 5 + 0) * 9 + 3;
/** The dictionary (and so the farthest distance) declared to the decoder. */
export const DICT_SIZE = 8 * 1024 * 1024;
export const MATCH_MAX = 273;

const POS_MASK = 3;
const HASH_BITS = 16;
const CHAIN_DEPTH = 32;
const NICE_LENGTH = 64;

// offsets into one probability array, so a snapshot is one copy
const IS_MATCH = 0;
const IS_REP = IS_MATCH + 12 * 16;
const IS_REP_G0 = IS_REP + 12;
const IS_REP_G1 = IS_REP_G0 + 12;
const IS_REP_G2 = IS_REP_G1 + 12;
const IS_REP0_LONG = IS_REP_G2 + 12;
const POS_SLOT = IS_REP0_LONG + 12 * 16;
const POS_SPECIAL = POS_SLOT + 4 * 64;
const ALIGN = POS_SPECIAL + 114;
const MATCH_LEN = ALIGN + 16;
const LEN_PROBS = 2 + 16 * 8 * 2 + 256;
const REP_LEN = MATCH_LEN + LEN_PROBS;
const LITERAL = REP_LEN + LEN_PROBS;
const PROB_COUNT = LITERAL + 0x300 * 8;

/** What `restore` puts back. */
export interface LzmaSnapshot {
  probs: Uint16Array;
  head: Int32Array;
  state: number;
  reps: number[];
  end: number;
}

function slotOf(distance: number): number {
  if (distance < 4) return distance;
  const n = 31 - Math.clz32(distance);
  return 2 * n + ((distance >>> (n - 1)) & 1);
}

/**
 * Appends bytes and encodes them as LZMA symbols into a range encoder, one chunk at a time.
 *
 * @example
 * ```ts
 * const lzma = new LzmaEncoder();
 * lzma.append(section);
 * while (lzma.remaining > 0) { rc.reset(); lzma.encodeChunk(rc, 65_000, 2_000_000); rc.flush(); }
 * ```
 */
export class LzmaEncoder {
  private probs: Uint16Array = new Uint16Array(PROB_COUNT).fill(PROB_INIT);
  private head: Int32Array = new Int32Array(1 << HASH_BITS).fill(-1);
  private prev = new Int32Array(1 << 16);
  private buf = new Uint8Array(1 << 16);
  private state = 0;
  private reps = [0, 0, 0, 0];
  private end = 0;
  private pos = 0;
  // the last search's result, and the one-step-ahead search kept for the next step
  private foundLength = 0;
  private foundDistance = 0;
  private lazyAt = -1;
  private lazyLength = 0;
  private lazyDistance = 0;

  /** Bytes appended but not yet encoded. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Adds `bytes` to the history, to be encoded next. */
  append(bytes: Uint8Array): void {
    const needed = this.end + bytes.length;
    if (needed > this.buf.length) {
      let size = this.buf.length;
      while (size < needed) size *= 2;
      const buf = new Uint8Array(size);
      buf.set(this.buf.subarray(0, this.end));
      this.buf = buf;
      const prev = new Int32Array(size);
      prev.set(this.prev.subarray(0, this.end));
      this.prev = prev;
    }
    this.buf.set(bytes, this.end);
    this.end = needed;
  }

  snapshot(): LzmaSnapshot {
    return {
      probs: this.probs.slice(),
      head: this.head.slice(),
      state: this.state,
      reps: [...this.reps],
      end: this.end,
    };
  }

  /** Back to `snapshot`: the bytes appended since are dropped, as if never seen. */
  restore(snapshot: LzmaSnapshot): void {
    this.probs = snapshot.probs;
    this.head = snapshot.head;
    this.state = snapshot.state;
    this.reps = snapshot.reps;
    this.end = snapshot.end;
    this.pos = snapshot.end;
  }

  /**
   * Encodes symbols until the input runs out, `rc` holds about `maxCompressed` bytes, or `maxInput`
   * bytes were encoded; returns how many bytes were encoded. A symbol never spans two calls.
   */
  encodeChunk(rc: RangeEncoder, maxCompressed: number, maxInput: number): number {
    const start = this.pos;
    const stop = Math.min(this.end, start + maxInput);
    this.lazyAt = -1;
    while (this.pos < stop && rc.pending < maxCompressed) this.step(rc, stop);
    return this.pos - start;
  }

  /** Encodes one symbol at `pos` (kept small so V8 optimizes it whole, not by on-stack replacement). */
  private step(rc: RangeEncoder, stop: number): void {
    const pos = this.pos;
    const avail = Math.min(MATCH_MAX, stop - pos);
    if (this.lazyAt !== pos) this.search(pos, avail);
    else {
      this.foundLength = this.lazyLength;
      this.foundDistance = this.lazyDistance;
    }
    let length = this.foundLength;
    const distance = this.foundDistance;
    this.insert(pos);
    let repLength = 0;
    let repIndex = 0;
    for (let r = 0; r < 4; r++) {
      const n = this.lengthAt(pos, (this.reps[r] as number) + 1, avail);
      if (n > repLength) {
        repLength = n;
        repIndex = r;
      }
    }
    if (length === 3 && distance >= 1 << 14) length = 0;
    if (
      repLength >= 2 &&
      (repLength + 1 >= length ||
        (repLength + 2 >= length && distance >= 1 << 9) ||
        (repLength + 3 >= length && distance >= 1 << 15))
    ) {
      this.rep(rc, pos, repIndex, repLength);
      this.skip(pos + 1, pos + repLength);
      return;
    }
    if (length >= 3 && length < NICE_LENGTH && pos + 1 < stop) {
      this.search(pos + 1, Math.min(MATCH_MAX, stop - pos - 1));
      this.lazyAt = pos + 1;
      this.lazyLength = this.foundLength;
      this.lazyDistance = this.foundDistance;
      const next = this.lazyLength;
      if (next >= length + 2 || (next === length + 1 && this.lazyDistance >>> 7 <= distance)) length = 0;
    }
    if (length >= 3) {
      this.match(rc, pos, distance, length);
      this.skip(pos + 1, pos + length);
    } else if (this.lengthAt(pos, (this.reps[0] as number) + 1, 1) === 1) {
      this.shortRep(rc, pos);
      this.pos++;
    } else {
      this.literal(rc, pos);
      this.pos++;
    }
  }

  /** How many bytes at `pos` equal those `back` bytes before, up to `avail` (0 if out of reach). */
  private lengthAt(pos: number, back: number, avail: number): number {
    if (back > pos || back > DICT_SIZE) return 0;
    const buf = this.buf;
    let n = 0;
    while (n < avail && buf[pos + n] === buf[pos + n - back]) n++;
    return n;
  }

  private hash(pos: number): number {
    const buf = this.buf;
    const key = ((buf[pos] as number) << 16) | ((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number);
    return Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
  }

  private insert(pos: number): void {
    if (pos + 3 > this.end) return;
    const h = this.hash(pos);
    this.prev[pos] = this.head[h] as number;
    this.head[h] = pos;
  }

  private skip(from: number, to: number): void {
    for (let p = from; p < to; p++) this.insert(p);
    this.pos = to;
  }

  /** The longest earlier match at `pos` from the hash chain (positions before `pos` only), into `found*`. */
  private search(pos: number, avail: number): void {
    let best = 0;
    let distance = 0;
    this.foundLength = 0;
    this.foundDistance = 0;
    if (avail < 3 || pos + 3 > this.end) return;
    const buf = this.buf;
    const limit = Math.max(0, pos - DICT_SIZE);
    let candidate = this.head[this.hash(pos)] as number;
    let previous = pos;
    for (let depth = CHAIN_DEPTH; depth > 0 && candidate >= limit && candidate < previous; depth--) {
      if (buf[candidate + best] === buf[pos + best]) {
        let n = 0;
        while (n < avail && buf[candidate + n] === buf[pos + n]) n++;
        if (n > best) {
          best = n;
          distance = pos - candidate - 1;
          if (n >= NICE_LENGTH || n === avail) break;
        }
      }
      previous = candidate;
      candidate = this.prev[candidate] as number;
    }
    this.foundLength = best;
    this.foundDistance = distance;
  }

  private literal(rc: RangeEncoder, pos: number): void {
    const buf = this.buf;
    const probs = this.probs;
    const byte = buf[pos] as number;
    const posState = pos & POS_MASK;
    rc.bit(probs, IS_MATCH + this.state * 16 + posState, 0);
    const base = LITERAL + 0x300 * (pos > 0 ? (buf[pos - 1] as number) >>> 5 : 0);
    if (this.state < 7) {
      rc.tree(probs, base, 8, byte);
    } else {
      let matchByte = buf[pos - (this.reps[0] as number) - 1] as number;
      let offset = 0x100;
      let symbol = 1;
      for (let i = 7; i >= 0; i--) {
        const bit = (byte >>> i) & 1;
        matchByte <<= 1;
        const matchBit = matchByte & offset;
        rc.bit(probs, base + offset + matchBit + symbol, bit);
        symbol = (symbol << 1) | bit;
        offset = bit ? matchBit : offset & ~matchBit;
      }
    }
    this.state = this.state < 4 ? 0 : this.state < 10 ? this.state - 3 : this.state - 6;
  }

  private length(rc: RangeEncoder, base: number, length: number, posState: number): void {
    const probs = this.probs;
    const n = length - 2;
    if (n < 8) {
      rc.bit(probs, base, 0);
      rc.tree(probs, base + 2 + posState * 8, 3, n);
    } else if (n < 16) {
      rc.bit(probs, base, 1);
      rc.bit(probs, base + 1, 0);
      rc.tree(probs, base + 2 + 128 + posState * 8, 3, n - 8);
    } else {
      rc.bit(probs, base, 1);
      rc.bit(probs, base + 1, 1);
      rc.tree(probs, base + 2 + 256, 8, n - 16);
    }
  }

  private match(rc: RangeEncoder, pos: number, distance: number, length: number): void {
    const probs = this.probs;
    const posState = pos & POS_MASK;
    rc.bit(probs, IS_MATCH + this.state * 16 + posState, 1);
    rc.bit(probs, IS_REP + this.state, 0);
    this.length(rc, MATCH_LEN, length, posState);
    const slot = slotOf(distance);
    rc.tree(probs, POS_SLOT + Math.min(length - 2, 3) * 64, 6, slot);
    if (slot >= 4) {
      const footer = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footer;
      const rest = distance - base;
      if (slot < 14) {
        rc.reverseTree(probs, POS_SPECIAL + base - slot - 1, footer, rest);
      } else {
        rc.direct(rest >>> 4, footer - 4);
        rc.reverseTree(probs, ALIGN, 4, rest & 15);
      }
    }
    this.reps = [distance, this.reps[0] as number, this.reps[1] as number, this.reps[2] as number];
    this.state = this.state < 7 ? 7 : 10;
  }

  private rep(rc: RangeEncoder, pos: number, index: number, length: number): void {
    const probs = this.probs;
    const posState = pos & POS_MASK;
    const state = this.state;
    rc.bit(probs, IS_MATCH + state * 16 + posState, 1);
    rc.bit(probs, IS_REP + state, 1);
    if (index === 0) {
      rc.bit(probs, IS_REP_G0 + state, 0);
      rc.bit(probs, IS_REP0_LONG + state * 16 + posState, 1);
    } else {
      rc.bit(probs, IS_REP_G0 + state, 1);
      if (index === 1) {
        rc.bit(probs, IS_REP_G1 + state, 0);
      } else {
        rc.bit(probs, IS_REP_G1 + state, 1);
        rc.bit(probs, IS_REP_G2 + state, index - 2);
      }
      const distance = this.reps[index] as number;
      this.reps.splice(index, 1);
      this.reps.unshift(distance);
    }
    this.length(rc, REP_LEN, length, posState);
    this.state = state < 7 ? 8 : 11;
  }

  private shortRep(rc: RangeEncoder, pos: number): void {
    const probs = this.probs;
    const posState = pos & POS_MASK;
    const state = this.state;
    rc.bit(probs, IS_MATCH + state * 16 + posState, 1);
    rc.bit(probs, IS_REP + state, 1);
    rc.bit(probs, IS_REP_G0 + state, 0);
    rc.bit(probs, IS_REP0_LONG + state * 16 + posState, 0);
    this.state = state < 7 ? 9 : 11;
  }
}
