/**
 * LZMA's range encoder: adaptive binary probabilities (11-bit, shift 5), bit trees, reverse bit trees
 * and direct bits, written to a growable buffer. `low` is kept as a float64 (it needs 33 bits); the
 * carry into already written bytes is handled with the usual cache byte and run of 0xFF bytes.
 */

export const PROB_INIT = 1024;
const TOP = 0x1000000;
const TWO_32 = 0x100000000;

/**
 * Encodes bits into `bytes()`; `flush()` ends the stream (the decoder reads 5 bytes ahead).
 *
 * @example
 * ```ts
 * const rc = new RangeEncoder();
 * rc.bit(probs, 0, 1);
 * rc.flush();
 * const chunk = rc.bytes();
 * ```
 */
export class RangeEncoder {
  // low needs 33 bits and range 32: a float64 array keeps both unboxed, with a type V8 never changes
  private readonly st = new Float64Array([0, 0xffffffff]);
  private cache = 0;
  private cacheSize = 1;
  private out = new Uint8Array(1 << 16);
  private length = 0;

  /** Bytes written or owed (the cache and its pending 0xFF run), without the flush. */
  get pending(): number {
    return this.length + this.cacheSize;
  }

  /** Starts a new stream, keeping the buffer. */
  reset(): void {
    this.st[0] = 0;
    this.st[1] = 0xffffffff;
    this.cache = 0;
    this.cacheSize = 1;
    this.length = 0;
  }

  /** Encodes `bit` with the probability `probs[index]`, then adapts it. */
  bit(probs: Uint16Array, index: number, bit: number): void {
    const st = this.st;
    const prob = probs[index] as number;
    let range = st[1] as number;
    const bound = (range >>> 11) * prob;
    if (bit === 0) {
      range = bound;
      probs[index] = prob + ((2048 - prob) >>> 5);
    } else {
      st[0] = (st[0] as number) + bound;
      range -= bound;
      probs[index] = prob - (prob >>> 5);
    }
    if (range < TOP) {
      range = (range * 256) >>> 0;
      this.shiftLow();
    }
    st[1] = range;
  }

  /** `count` bits of `value`, most significant first, through the tree at `probs[base + 1..]`. */
  tree(probs: Uint16Array, base: number, count: number, value: number): void {
    let m = 1;
    for (let i = count - 1; i >= 0; i--) {
      const b = (value >>> i) & 1;
      this.bit(probs, base + m, b);
      m = (m << 1) | b;
    }
  }

  /** `count` bits of `value`, least significant first, through the tree at `probs[base + 1..]`. */
  reverseTree(probs: Uint16Array, base: number, count: number, value: number): void {
    let m = 1;
    for (let i = 0; i < count; i++) {
      const b = (value >>> i) & 1;
      this.bit(probs, base + m, b);
      m = (m << 1) | b;
    }
  }

  /** `count` bits of `value` with probability one half, most significant first. */
  direct(value: number, count: number): void {
    const st = this.st;
    for (let i = count - 1; i >= 0; i--) {
      const range = Math.floor((st[1] as number) / 2);
      if ((value >>> i) & 1) st[0] = (st[0] as number) + range;
      if (range < TOP) {
        st[1] = range * 256;
        this.shiftLow();
      } else {
        st[1] = range;
      }
    }
  }

  /** Ends the stream: after this, `bytes()` is a complete range-coded chunk. */
  flush(): void {
    for (let i = 0; i < 5; i++) this.shiftLow();
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.out.subarray(0, this.length);
  }

  private shiftLow(): void {
    const low = this.st[0] as number;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let byte = this.cache;
      do {
        this.push((byte + carry) & 0xff);
        byte = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.st[0] = (low % TOP) * 256;
  }

  private push(byte: number): void {
    if (this.length === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.length++] = byte;
  }
}
