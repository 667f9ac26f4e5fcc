/** The values an expression evaluates to at one time. */
import type { DDSketch } from '../sketch/index.js';
import type { Labels } from './labels.js';
import type { Sample } from './source.js';

export interface VectorSample {
  labels: Labels;
  v: number;
  /** Sketch series: the distribution of the sample (histogram_quantile reads it). */
  sketch?: DDSketch;
  /** The sample's own time, for `timestamp()` (ms). */
  t?: number;
}

export type Value =
  | { type: 'scalar'; v: number }
  | { type: 'string'; s: string }
  | { type: 'vector'; samples: VectorSample[] }
  | { type: 'matrix'; series: { labels: Labels; samples: Sample[] }[] };
