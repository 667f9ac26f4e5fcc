/** Bodies of a `delta()` port, SHA-256-checked as they stream. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bkError } from '../errors.js';

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
