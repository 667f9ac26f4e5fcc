/**
 * Streaming VCDIFF: deltas are produced and consumed window by window, so memory holds the reference,
 * one target window and one delta window, not the whole target.
 */
import { BucketkitError, bkError } from '../../errors.js';
import { AddressCache } from './address-cache.js';
import { ByteReader } from './bytes.js';
import {
  DEFAULT_MAX_TARGET,
  type DecodeOptions,
  decodeCompressedWindows,
  decodeWindow,
  type Header,
  readHeader,
} from './decoder.js';
import { createVcdiffEncoder, type EncodeOptions } from './encoder.js';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Encodes the target read from `target` against `source`, yielding the delta in pieces (the header,
 * then one piece per window of at most `windowSize` target bytes).
 *
 * @example
 * ```ts
 * for await (const piece of encodeDeltaStream(reference, createReadStream('app.zip'))) out.write(piece);
 * ```
 */
export async function* encodeDeltaStream(
  source: Uint8Array,
  target: ByteSource,
  options: EncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const encoder = createVcdiffEncoder(source, options);
  yield encoder.header();
  const window = new Uint8Array(encoder.windowSize);
  let filled = 0;
  let windows = 0;
  for await (const chunk of target) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, window.length - filled);
      window.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === window.length) {
        yield encoder.window(window);
        windows++;
        filled = 0;
      }
    }
  }
  // An empty target still gets one (empty) window, as xdelta3 writes.
  if (filled > 0 || windows === 0) yield encoder.window(window.subarray(0, filled));
}

/** Delta bytes received but not decoded yet; compacts instead of concatenating every chunk. */
class Pending {
  buffer = new Uint8Array(64 * 1024);
  start = 0;
  end = 0;

  append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buffer.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        let capacity = this.buffer.length * 2;
        while (capacity < live + chunk.length) capacity *= 2;
        const grown = new Uint8Array(capacity);
        grown.set(this.buffer.subarray(this.start, this.end));
        this.buffer = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }
}

/** True when `err` only says the buffered bytes end before the current header or window does. */
function needsMoreBytes(err: unknown): boolean {
  return BucketkitError.is(err, 'Corrupt') && err.details.section === 'delta';
}

/**
 * Decodes a delta read from `delta` against `source`, yielding the target window by window. Same
 * checks as `decodeDeltaAsync`. Deltas with LZMA secondary compression (xdelta3's default) are
 * buffered whole (the delta, not the target) before decoding, since each kind of section is one xz
 * stream across windows. VCD_TARGET windows (never written by xdelta3 or by us) are `Unsupported`.
 *
 * @example
 * ```ts
 * for await (const piece of decodeDeltaStream(reference, deltaObject.body)) out.write(piece);
 * ```
 */
export async function* decodeDeltaStream(
  source: Uint8Array,
  delta: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array> {
  let budget = options.maxTargetSize ?? DEFAULT_MAX_TARGET;
  const pending = new Pending();
  const cache = new AddressCache();
  let header: Header | undefined;
  const drain = async function* (final: boolean): AsyncGenerator<Uint8Array> {
    while (pending.end > pending.start) {
      if (header?.secondary !== undefined) {
        // xdelta3's LZMA streams run across windows: the rest of the delta is buffered, then decoded.
        if (!final) return;
        const reader = new ByteReader(pending.buffer, pending.start, pending.end);
        pending.start = pending.end;
        for await (const window of decodeCompressedWindows(reader, source, budget, header)) {
          budget -= window.length;
          yield window;
        }
        return;
      }
      const reader = new ByteReader(pending.buffer, pending.start, pending.end);
      let window: Uint8Array | undefined;
      try {
        if (header === undefined) header = readHeader(reader);
        else window = decodeWindow(reader, source, undefined, budget, header, cache);
      } catch (err) {
        if (!final && needsMoreBytes(err)) return;
        throw err;
      }
      pending.start = reader.pos;
      if (window !== undefined) {
        budget -= window.length;
        yield window;
      }
    }
  };
  for await (const chunk of delta) {
    pending.append(chunk);
    yield* drain(false);
  }
  yield* drain(true);
  if (header === undefined) throw bkError('Corrupt', 'VCDIFF delta is empty');
}
