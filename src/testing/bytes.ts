import { createHash } from 'node:crypto';
import { pseudoRandomBytes } from './random-bytes.js';

export { pseudoRandomBytes };

/**
 * A stream of `size` bytes in `chunkSize` chunks, of unknown length to the reader.
 *
 * @example
 * ```ts
 * await port.put('big', generatedStream(64 * 2 ** 20).stream);
 * ```
 */
export function generatedStream(size: number, chunkSize = 1024 * 1024, seed = 3) {
  const hash = createHash('md5');
  const chunk = pseudoRandomBytes(Math.min(chunkSize, size), seed);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) {
        controller.close();
        return;
      }
      const n = Math.min(chunk.byteLength, size - sent);
      // vary each chunk so misplaced chunks are caught
      const piece = chunk.slice(0, n);
      piece[0] = (sent / chunkSize) & 0xff;
      hash.update(piece);
      sent += n;
      controller.enqueue(piece);
    },
  });
  let digest: string | undefined;
  return { stream, md5: () => (digest ??= hash.digest('hex')) };
}

/** MD5 hex of bytes. */
export function md5Hex(bytes: Uint8Array | string): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** MD5 hex of everything a stream yields, without keeping it. */
export async function md5OfStream(
  stream: ReadableStream<Uint8Array>,
): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { md5: hash.digest('hex'), size };
}
