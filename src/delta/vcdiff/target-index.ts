/**
 * Hash chains over the 4-byte keys of one target window (every position seen so far), so a COPY
 * from earlier in the window is found from any key it holds.
 */
import { TARGET_KEY, tableBits, word } from './hash-index.js';
import { integerSize } from './integer.js';

/**
 * The table stays small enough for the CPU cache (it is probed at every position); chains resolve
 * the extra collisions.
 */
const TABLE_BITS = 18;

function slotOf(key: number, bits: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> (32 - bits)) << 1;
}

/**
 * True when the bytes at `p` repeat those at `q` (the first 4 known equal) for longer than a COPY
 * from `q` costs: the rule `Matcher` applies to every match, so a hit it would turn down is not
 * searched again.
 */
function worthACopy(target: Uint8Array, q: number, p: number, end: number): boolean {
  const need = integerSize(p - q) + 3;
  let n = TARGET_KEY;
  while (n < need && p + n < end && target[q + n] === target[p + n]) n++;
  return n >= need;
}

/** Positions of one target window seen so far, bucketed by the hash of their 4 bytes. */
export class TargetIndex {
  readonly bits: number;
  /**
   * Per slot, the newest position and the 4 bytes there side by side, so telling whether a slot
   * holds a position's key reads no target byte (a cache miss in a window of megabytes).
   */
  private readonly head: Int32Array;
  /** Per position of the window, the previous position in its slot's chain, or -1. */
  private readonly prev: Int32Array;

  constructor(
    readonly target: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {
    this.bits = tableBits(end - start, TABLE_BITS);
    this.head = new Int32Array(2 << this.bits).fill(-1);
    this.prev = new Int32Array(Math.max(0, end - start));
  }

  /** Adds the position `p` (window-absolute target offset) if its key fits in the window. */
  insert(p: number): void {
    if (p + TARGET_KEY > this.end) return;
    const key = word(this.target, p);
    const h = slotOf(key, this.bits);
    this.prev[p - this.start] = this.head[h] as number;
    this.head[h] = p;
    this.head[h + 1] = key;
  }

  /**
   * Inserts the positions from `from` to `to` (exclusive) until one repeats the newest earlier
   * position in its slot for long enough to be worth a COPY: returns that position (not inserted),
   * or `to`. The search
   * steps over positions in long literal runs; this still finds the target copies starting there,
   * for the hash and the slot read that inserting them costs anyway.
   *
   * @example
   * ```ts
   * const p = index.insertUntilKnown(from, from + 9); // < from + 9: a key seen before starts at p
   * ```
   */
  insertUntilKnown(from: number, to: number): number {
    const { target, head, prev, start, bits } = this;
    const last = Math.min(to, this.end - TARGET_KEY + 1);
    for (let p = from; p < last; p++) {
      const key = word(target, p);
      const h = slotOf(key, bits);
      const q = head[h] as number;
      if (q >= 0 && head[h + 1] === key && worthACopy(target, q, p, this.end)) return p;
      prev[p - start] = q;
      head[h] = p;
      head[h + 1] = key;
    }
    return to;
  }

  /**
   * The newest earlier position in the slot of `p`'s 4-byte key if it holds the same 4 bytes, or -1
   * (the matcher gives a chain up at its first entry of another key; this tells without a read of
   * the window, which misses the cache in a window of megabytes).
   */
  first(p: number): number {
    if (p + TARGET_KEY > this.end) return -1;
    const key = word(this.target, p);
    const h = slotOf(key, this.bits);
    return this.head[h + 1] === key ? (this.head[h] as number) : -1;
  }

  /** The next older position in the same chain as `q`, or -1. */
  next(q: number): number {
    return this.prev[q - this.start] as number;
  }
}
