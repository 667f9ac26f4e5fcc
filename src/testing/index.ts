/**
 * bucketkit/testing — the StoragePort conformance suite for vitest, and helpers for storage tests.
 *
 * @example
 * ```ts
 * import { describeStoragePort } from 'bucketkit/testing';
 * import { memoryStorage } from 'bucketkit';
 * describeStoragePort('memory', () => memoryStorage());
 * ```
 */

export { generatedStream, md5Hex, md5OfStream, pseudoRandomBytes } from './bytes.js';
export {
  type ConformanceOptions,
  describeStoragePort,
  type KnownDefects,
  type PortUnderTest,
} from './conformance.js';
export { casIncrement } from './suite-conditional.js';
export { AWKWARD_KEYS } from './suite-keys.js';
