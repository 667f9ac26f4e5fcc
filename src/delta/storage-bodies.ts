/** Bodies of a `delta()` port: gathered whole for encoding, served from memory, SHA-256-checked as streamed. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bkError } from '../errors.js';

export function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function single(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Passes bytes through and fails the stream at its end when their SHA-256 is not `expected`. */
export function verifying(expected: string, key: string): TransformStream<Uint8Array, Uint8Array> {
  const hash = sha256.create();
  return new TransformStream({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = bytesToHex(hash.digest());
      if (actual !== expected) {
        controller.error(
          bkError('Corrupt', 'the object read back does not match its SHA-256', {
            details: { key, expected, actual },
          }),
        );
      }
    },
  });
}
