/**
 * The hand-off between the OTLP metric decoders (protobuf, JSON) and the cooking of metric rows: one data
 * point with its metric's and resource's context, values as OTLP has them.
 */
import type { DecodedValue } from '../ingest/decoded.js';

/** OTLP metric data kinds. */
export type OtlpMetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/** OTLP `AggregationTemporality` (0 unspecified, 1 delta, 2 cumulative). */
export type Temporality = 'unspecified' | 'delta' | 'cumulative';

export interface ExplicitHistogram {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** Upper bounds; bucket i holds (bounds[i-1], bounds[i]], the last bucket (bounds[n-1], +Inf). */
  bounds: number[];
  counts: number[];
}

export interface ExponentialBuckets {
  offset: number;
  counts: number[];
}

export interface ExponentialHistogram {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** base = 2^(2^-scale); bucket i holds (base^i, base^(i+1)]. */
  scale: number;
  zeroCount: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface SummaryValue {
  count: number;
  sum: number;
  /** (quantile, value) pairs. */
  quantiles: [number, number][];
}

/** One OTLP data point. */
export interface DecodedMetricPoint {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: OtlpMetricKind;
  readonly temporality: Temporality;
  readonly monotonic: boolean;
  readonly resource: Readonly<Record<string, DecodedValue>>;
  readonly scopeName: string;
  readonly scopeVersion: string;
  readonly attributes: Readonly<Record<string, DecodedValue>>;
  readonly timeUnixNano: bigint;
  readonly startTimeUnixNano: bigint;
  /** `DataPointFlags`; bit 0 = no recorded value (Prometheus's staleness marker). */
  readonly flags: number;
  /** Gauge and sum points. */
  readonly value?: number;
  readonly histogram?: ExplicitHistogram;
  readonly exponential?: ExponentialHistogram;
  readonly summary?: SummaryValue;
}

/** What the points of one series share (a decoded point is one). */
export type SeriesContext = Omit<
  DecodedMetricPoint,
  'timeUnixNano' | 'startTimeUnixNano' | 'flags' | 'value' | 'histogram' | 'exponential' | 'summary'
>;

/** What a point's metric shares with its siblings (one object per metric, reused by every point). */
export interface MetricContext {
  name: string;
  description: string;
  unit: string;
  kind: OtlpMetricKind;
  temporality: Temporality;
  monotonic: boolean;
  resource: Readonly<Record<string, DecodedValue>>;
  scopeName: string;
  scopeVersion: string;
}

export const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];
