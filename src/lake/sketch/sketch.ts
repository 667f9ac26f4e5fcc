/**
 * DDSketch: a quantile sketch with a relative-accuracy guarantee (every quantile it answers is within
 * α of the true value at that rank), mergeable, stored in the sketches-go binary encoding.
 */
import { BucketkitError } from '../../errors.js';
import { LogarithmicMapping } from './mapping.js';
import { DenseStore } from './store.js';

/** LakeRunner's relative accuracy for `chq_sketch`. */
export const LAKE_SKETCH_ACCURACY = 0.01;

const lakeMapping = LogarithmicMapping.forAccuracy(LAKE_SKETCH_ACCURACY);

/**
 * A DDSketch with a logarithmic mapping and dense stores (sketches-go's `LogUnboundedDenseDDSketch`).
 *
 * @example
 * ```ts
 * const s = new DDSketch();
 * for (const v of [12, 15, 90]) s.add(v);
 * s.quantile(0.5); // ≈ 15, within 1 %
 * const bytes = encodeSketch(s); // what LakeRunner stores in chq_sketch
 * ```
 */
export class DDSketch {
  readonly positive: DenseStore;
  readonly negative: DenseStore;
  zeroCount = 0;

  constructor(
    readonly mapping: LogarithmicMapping = lakeMapping,
    stores?: { positive: DenseStore; negative: DenseStore; zeroCount: number },
  ) {
    this.positive = stores?.positive ?? new DenseStore();
    this.negative = stores?.negative ?? new DenseStore();
    this.zeroCount = stores?.zeroCount ?? 0;
  }

  /** Adds `value` `count` times (counts may be fractional, as OTLP summaries need). */
  add(value: number, count = 1): void {
    if (!Number.isFinite(value) || Math.abs(value) > this.mapping.maxIndexableValue) {
      throw new BucketkitError(
        'InvalidArgument',
        `a DDSketch cannot hold ${value}: only finite values up to ~1e308`,
      );
    }
    if (!(count >= 0) || !Number.isFinite(count)) {
      throw new BucketkitError('InvalidArgument', `a DDSketch count must be finite and ≥ 0, got ${count}`);
    }
    const min = this.mapping.minIndexableValue;
    if (value > min) this.positive.add(this.mapping.index(value), count);
    else if (value < -min) this.negative.add(this.mapping.index(-value), count);
    else this.zeroCount += count;
  }

  get count(): number {
    return this.zeroCount + this.positive.total + this.negative.total;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  /**
   * The value at quantile `q` ∈ [0, 1] (rank q·(count−1), as sketches-go), or NaN for an empty sketch.
   *
   * @example
   * ```ts
   * sketch.quantile(0.99);
   * ```
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1))
      throw new BucketkitError('InvalidArgument', `a quantile must be in [0, 1], got ${q}`);
    const count = this.count;
    if (count === 0) return Number.NaN;
    const rank = q * (count - 1);
    const negatives = this.negative.total;
    if (rank < negatives) return -this.mapping.value(this.negative.keyAtRank(negatives - 1 - rank));
    if (rank < this.zeroCount + negatives) return 0;
    return this.mapping.value(this.positive.keyAtRank(rank - this.zeroCount - negatives));
  }

  /** The smallest value's bin value (NaN when empty). */
  get min(): number {
    if (!this.negative.isEmpty) return -this.mapping.value(this.negative.maxIndex);
    if (this.zeroCount > 0) return 0;
    return this.positive.isEmpty ? Number.NaN : this.mapping.value(this.positive.minIndex);
  }

  /** The largest value's bin value (NaN when empty). */
  get max(): number {
    if (!this.positive.isEmpty) return this.mapping.value(this.positive.maxIndex);
    if (this.zeroCount > 0) return 0;
    return this.negative.isEmpty ? Number.NaN : -this.mapping.value(this.negative.minIndex);
  }

  /** Adds every value of `other` to this sketch; both must use the same mapping. */
  merge(other: DDSketch): this {
    if (!this.mapping.equals(other.mapping)) {
      throw new BucketkitError(
        'InvalidArgument',
        `cannot merge DDSketches with different mappings (gamma ${this.mapping.gamma} vs ${other.mapping.gamma})`,
      );
    }
    this.positive.mergeWith(other.positive);
    this.negative.mergeWith(other.negative);
    this.zeroCount += other.zeroCount;
    return this;
  }

  copy(): DDSketch {
    return new DDSketch(this.mapping, {
      positive: this.positive.copy(),
      negative: this.negative.copy(),
      zeroCount: this.zeroCount,
    });
  }
}
