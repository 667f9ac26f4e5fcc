/**
 * Snappy block-format decompression (Prometheus remote write's framing-free snappy, and the SNAPPY
 * pages of raw Parquet input), bounded: the declared length is checked before allocating, every literal
 * and copy is checked against the input and the output, so hostile bytes are `Corrupt` and never loop or
 * write out of bounds. (hyparquet's `snappyUncompress` never returns on `[112, 252, 198, 39, 25, 180]`: a
 * 4-byte literal length with the top bit set turns negative and moves its cursor backwards.)
 */
import { bkError } from '../../errors.js';

/**
 * The uncompressed bytes of a snappy block, refusing a declared length over `maxBytes`.
 *
 * @example
 * ```ts
 * const request = snappyBlock(body, 'write request', 64 * 1024 * 1024);
 * ```
 */
export function snappyBlock(input: Uint8Array, source: string, maxBytes: number): Uint8Array {
  const fail = (why: string, at: number) =>
    bkError('Corrupt', `${source} is not valid snappy data: ${why} at byte ${at}`, {
      details: { key: source, offset: at },
    });
  let pos = 0;
  let length = 0;
  for (let scale = 1; ; scale *= 128) {
    if (pos >= input.length || pos >= 5) throw fail('the length header is cut short or too long', pos);
    const byte = input[pos++] as number;
    length += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
  }
  if (length > maxBytes) throw fail(`it declares ${length} bytes, more than the ${maxBytes}-byte limit`, 0);
  const out = new Uint8Array(length);
  let outPos = 0;
  while (pos < input.length) {
    const at = pos;
    const tag = input[pos++] as number;
    const kind = tag & 3;
    let len: number;
    if (kind === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > input.length) throw fail('a literal length is cut short', at);
        len = 0;
        for (let i = 0; i < extra; i++) len += (input[pos + i] as number) * 2 ** (8 * i);
        len += 1;
        pos += extra;
      }
      if (pos + len > input.length) throw fail('a literal runs past the input', at);
      if (outPos + len > length) throw fail('a literal runs past the declared length', at);
      out.set(input.subarray(pos, pos + len), outPos);
      pos += len;
      outPos += len;
      continue;
    }
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > input.length) throw fail('a copy is cut short', at);
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) + (input[pos] as number);
      pos += 1;
    } else {
      const size = kind === 2 ? 2 : 4;
      if (pos + size > input.length) throw fail('a copy is cut short', at);
      len = (tag >>> 2) + 1;
      offset = 0;
      for (let i = 0; i < size; i++) offset += (input[pos + i] as number) * 2 ** (8 * i);
      pos += size;
    }
    if (offset === 0 || offset > outPos)
      throw fail(`a copy refers to ${offset} bytes back, before the start`, at);
    if (outPos + len > length) throw fail('a copy runs past the declared length', at);
    for (let i = 0; i < len; i++, outPos++) out[outPos] = out[outPos - offset] as number;
  }
  if (outPos !== length) throw fail(`it holds ${outPos} bytes, not the ${length} declared`, pos);
  return out;
}
