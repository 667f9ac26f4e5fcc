/**
 * The encoded sketch of one value. Most raw metric rows hold one sample, and a one-value sketch depends
 * only on the value's bin (or on it being zero), so the bytes are encoded once per bin by the encoder
 * itself and shared: no sketch object or buffer per row.
 */
import { encodeSketch } from './encoding.js';
import { DDSketch } from './sketch.js';

const cache = new Map<number, Uint8Array>();
const MAX_CACHED = 8192;
let lake: DDSketch | undefined;

/**
 * `encodeSketch` of a lake sketch (1 % accuracy) holding `value` once, or undefined when a sketch cannot
 * hold it (NaN, infinite, beyond ~1e308). The bytes are shared: callers must not change them.
 *
 * @example
 * ```ts
 * singleValueSketch(42); // the same bytes as encodeSketch of a DDSketch after add(42)
 * ```
 */
export function singleValueSketch(value: number): Uint8Array | undefined {
  lake ??= new DDSketch();
  const mapping = lake.mapping;
  if (!(Math.abs(value) <= mapping.maxIndexableValue)) return undefined;
  const min = mapping.minIndexableValue;
  // keys: 2·index for positive bins, 2·index+1 for negative ones, -0.5 stands for zero
  const key = value > min ? 2 * mapping.index(value) : value < -min ? 2 * mapping.index(-value) + 1 : -0.5;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    const sketch = new DDSketch(mapping);
    sketch.add(value);
    bytes = encodeSketch(sketch);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, bytes);
  }
  return bytes;
}
