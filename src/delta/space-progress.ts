/**
 * Progress of a `DeltaSpace.put`, in bytes of the file: the create-only write of `reference.bin` is the
 * first half of the range, the delta's encoding (window by window) the second; the end is reported once
 * the file is stored. A direct file reports its upload as it is.
 */
import { concatBytes } from '../storage/browser.js';
import type { Progress } from '../storage/index.js';
import { createVcdiffEncoder, type EncodeOptions } from './vcdiff/encoder.js';

/** A put's progress callback, `undefined` when nobody listens. */
export type OnProgress = ((progress: Progress) => void) | undefined;

/**
 * The progress callback for the reference write of a `size`-byte file: its upload mapped to the first half.
 *
 * @example
 * ```ts
 * await port.put(refKey, bytes, { onProgress: referenceProgress(options.onProgress, bytes.length) });
 * ```
 */
export function referenceProgress(onProgress: OnProgress, size: number): OnProgress {
  if (!onProgress) return undefined;
  return ({ loaded }) => onProgress({ loaded: Math.floor(Math.min(loaded, size) / 2), total: size });
}

/**
 * `encodeDelta(reference, target)` window by window, reporting the second half of the range after each
 * window (the same bytes as `encodeDelta`: both cut the target into the encoder's windows).
 *
 * @example
 * ```ts
 * const delta = encodeWithProgress(reference.bytes, bytes, options.onProgress);
 * ```
 */
export function encodeWithProgress(
  reference: Uint8Array,
  target: Uint8Array,
  onProgress: OnProgress,
  options: EncodeOptions = {},
): Uint8Array {
  const size = target.length;
  const half = Math.floor(size / 2);
  const encoder = createVcdiffEncoder(reference, options);
  const parts: Uint8Array[] = [new Uint8Array(0)];
  onProgress?.({ loaded: half, total: size });
  let start = 0;
  do {
    const end = Math.min(size, start + encoder.windowSize);
    parts.push(encoder.window(target.subarray(start, end)));
    start = end;
    // the last window's report waits for the delta's write: the end is reported when the file is stored
    if (end < size) onProgress?.({ loaded: half + Math.floor((size - half) * (end / size)), total: size });
  } while (start < size);
  parts[0] = encoder.finalHeader();
  return concatBytes(parts);
}
