/**
 * bucketkit/lake — LakeRunner's log lake, embedded (being built; this file grows with it).
 *
 * @example
 * ```ts
 * import { createLogFingerprinter } from 'bucketkit/lake';
 * const fingerprint = await createLogFingerprinter();
 * fingerprint('user 42 logged in'); // the same bigint for 'user 7 logged in'
 * ```
 */

export {
  createLogFingerprinter,
  type LogFingerprinter,
  logFingerprintTokens,
  MAX_TOKENS,
} from './fingerprint/index.js';
export type { DecodedLog, DecodedValue } from './ingest/decoded.js';
