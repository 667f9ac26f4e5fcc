/**
 * The logarithmic index mapping of DDSketch: bin `i` holds the values in [γ^(i-offset), γ^(i+1-offset)),
 * with γ = (1 + α) / (1 − α) for relative accuracy α, and its representative value has relative error at
 * most α against every value of the bin. LakeRunner uses α = 0.01 and offset 0.
 */
import { BucketkitError } from '../../errors.js';

const MIN_INT32 = -(2 ** 31);
const MAX_INT32 = 2 ** 31 - 1;
const MIN_NORMAL_FLOAT64 = 2.2250738585072014e-308;
const EXP_OVERFLOW = 7.094361393031e2;

/** A logarithmic index mapping (sketches-go's `LogarithmicMapping`). */
export class LogarithmicMapping {
  readonly multiplier: number;
  readonly minIndexableValue: number;
  readonly maxIndexableValue: number;

  constructor(
    readonly gamma: number,
    readonly indexOffset: number,
  ) {
    if (!(gamma > 1) || !Number.isFinite(gamma) || !Number.isFinite(indexOffset)) {
      throw new BucketkitError(
        'InvalidArgument',
        `a DDSketch mapping needs gamma > 1 (got ${gamma}, offset ${indexOffset})`,
      );
    }
    this.multiplier = 1 / Math.log(gamma);
    this.minIndexableValue = Math.max(
      Math.exp((MIN_INT32 - indexOffset) / this.multiplier + 1),
      MIN_NORMAL_FLOAT64 * gamma,
    );
    this.maxIndexableValue = Math.min(
      Math.exp((MAX_INT32 - indexOffset) / this.multiplier - 1),
      (Math.exp(EXP_OVERFLOW) / (2 * gamma)) * (gamma + 1),
    );
  }

  /**
   * The mapping for a relative accuracy.
   *
   * @example
   * ```ts
   * const m = LogarithmicMapping.forAccuracy(0.01); // γ ≈ 1.0202
   * ```
   */
  static forAccuracy(relativeAccuracy: number): LogarithmicMapping {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new BucketkitError(
        'InvalidArgument',
        `relative accuracy must be in (0, 1), got ${relativeAccuracy}`,
      );
    }
    return new LogarithmicMapping((1 + relativeAccuracy) / (1 - relativeAccuracy), 0);
  }

  get relativeAccuracy(): number {
    return 1 - 2 / (1 + this.gamma);
  }

  index(value: number): number {
    return Math.floor(Math.log(value) * this.multiplier + this.indexOffset);
  }

  lowerBound(index: number): number {
    return Math.exp((index - this.indexOffset) / this.multiplier);
  }

  /** The value a bin stands for: within the relative accuracy of every value in the bin. */
  value(index: number): number {
    return this.lowerBound(index) * (1 + this.relativeAccuracy);
  }

  /** Same mapping within 1e-12 relative (sketches-go's tolerance). */
  equals(other: LogarithmicMapping): boolean {
    return close(this.gamma, other.gamma) && close(this.indexOffset, other.indexOffset);
  }
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}
