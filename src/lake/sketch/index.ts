/**
 * DDSketch in the sketches-go binary encoding (LakeRunner's `chq_sketch`), with merge, quantiles and the
 * `chq_rollup_*` statistics.
 */

export { type DecodeSketchOptions, decodeSketch, encodeSketch } from './encoding.js';
export { LogarithmicMapping } from './mapping.js';
export { type ExactStats, ROLLUP_QUANTILES, type Rollup, rollupOf } from './rollup.js';
export { singleValueSketch } from './single.js';
export { DDSketch, LAKE_SKETCH_ACCURACY } from './sketch.js';
