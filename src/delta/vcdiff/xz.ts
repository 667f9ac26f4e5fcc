/**
 * Inflates one xz stream with a hard cap on its output, using `xz-decompress` (xz-embedded compiled to
 * WebAssembly: no native code, runs in browsers). xdelta3 sync-flushes its LZMA sections instead of
 * finishing them, so a stream may stop right after its last LZMA2 chunk (no end marker, index or
 * footer): the caller says how many bytes to expect, and reaching that count is success.
 */
import xzDecompress from 'xz-decompress';
import { bkError } from '../../errors.js';

const XZ_MAGIC = Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00);

/**
 * Inflates the xz stream `input` into exactly `expected` bytes. Anything else (bad magic, a stream the
 * decoder rejects, fewer bytes, more bytes) is `Corrupt`; decoding stops as soon as the output would
 * pass `expected`, so memory stays bounded by it whatever the input claims.
 *
 * @example
 * ```ts
 * const inst = await inflateXz(section.subarray(2), 44);
 * ```
 */
export async function inflateXz(
  input: Uint8Array,
  expected: number,
  what = 'xz stream',
): Promise<Uint8Array> {
  for (let i = 0; i < XZ_MAGIC.length; i++) {
    if (input[i] !== XZ_MAGIC[i]) throw corrupt(`${what} is not an xz stream (bad magic bytes)`, what);
  }
  const compressed = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(input);
      controller.close();
    },
  });
  const reader = new xzDecompress.XzReadableStream(compressed).getReader();
  const output = new Uint8Array(expected);
  let filled = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // A sync-flushed stream ends without its footer: the decoder then fails for want of input.
      if (filled === expected) break;
      throw corrupt(`${what} is corrupt or truncated (xz: ${String(cause)})`, what, cause);
    }
    if (chunk.done) break;
    const bytes = chunk.value;
    if (bytes.length > expected - filled) {
      await stop(reader);
      throw corrupt(`${what} inflates to more than the ${expected} bytes it declares`, what);
    }
    output.set(bytes, filled);
    filled += bytes.length;
  }
  if (filled !== expected) {
    throw corrupt(`${what} inflates to ${filled} bytes, not the ${expected} it declares`, what);
  }
  return output;
}

/**
 * Cancels the decoder. Waits one macrotask first so no pull of the decoder is still in flight (it
 * would touch the released WebAssembly context).
 */
async function stop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await reader.cancel().catch(() => undefined);
}

function corrupt(message: string, section: string, cause?: unknown) {
  return bkError('Corrupt', `VCDIFF ${message}`, {
    details: { section },
    ...(cause === undefined ? {} : { cause }),
  });
}
