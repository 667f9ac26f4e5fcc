/**
 * A dense bin store: counts per bin index in one array that grows to cover [minIndex, maxIndex].
 * The span is capped so a hostile encoding cannot make it allocate gigabytes.
 */
import { BucketkitError } from '../../errors.js';

/** Widest index span a store holds: 2^20 bins (8 MiB); α = 0.01 needs ~71 k for every normal float64. */
export const MAX_STORE_SPAN = 1 << 20;

export class DenseStore {
  private bins = new Float64Array(0);
  private offset = 0;
  minIndex = Number.POSITIVE_INFINITY;
  maxIndex = Number.NEGATIVE_INFINITY;
  total = 0;

  get isEmpty(): boolean {
    return this.total === 0;
  }

  add(index: number, count: number): void {
    if (count === 0) return;
    this.extendTo(index);
    const i = index - this.offset;
    this.bins[i] = (this.bins[i] as number) + count;
    this.total += count;
  }

  /** Count of one bin (0 outside the range). */
  count(index: number): number {
    const i = index - this.offset;
    return i >= 0 && i < this.bins.length ? (this.bins[i] as number) : 0;
  }

  /** The index of the bin holding the value of rank `rank` (0-based, counts cumulated low to high). */
  keyAtRank(rank: number): number {
    const r = Math.max(rank, 0);
    let n = 0;
    for (let index = this.minIndex; index <= this.maxIndex; index++) {
      n += this.count(index);
      if (n > r) return index;
    }
    return this.maxIndex;
  }

  mergeWith(other: DenseStore): void {
    if (other.isEmpty) return;
    this.extendTo(other.minIndex);
    this.extendTo(other.maxIndex);
    for (let index = other.minIndex; index <= other.maxIndex; index++) {
      const i = index - this.offset;
      this.bins[i] = (this.bins[i] as number) + other.count(index);
    }
    this.total += other.total;
  }

  copy(): DenseStore {
    const c = new DenseStore();
    c.bins = this.bins.slice();
    c.offset = this.offset;
    c.minIndex = this.minIndex;
    c.maxIndex = this.maxIndex;
    c.total = this.total;
    return c;
  }

  private extendTo(index: number): void {
    const min = Math.min(this.minIndex, index);
    const max = Math.max(this.maxIndex, index);
    if (max - min + 1 > MAX_STORE_SPAN) {
      throw new BucketkitError(
        'InvalidArgument',
        `a DDSketch store may span at most ${MAX_STORE_SPAN} bins (indexes ${min}..${max})`,
      );
    }
    if (min >= this.offset && max < this.offset + this.bins.length) {
      this.minIndex = min;
      this.maxIndex = max;
      return;
    }
    const span = max - min + 1;
    const length = Math.min(MAX_STORE_SPAN, Math.max(span + 32, this.bins.length * 2));
    const offset = min - Math.floor((length - span) / 2);
    const grown = new Float64Array(length);
    for (let i = this.minIndex; i <= this.maxIndex; i++) grown[i - offset] = this.count(i);
    this.bins = grown;
    this.offset = offset;
    this.minIndex = min;
    this.maxIndex = max;
  }
}
