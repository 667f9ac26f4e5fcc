/**
 * The deterministic log fingerprint: LakeRunner's token classes and placeholders hashed with xxhash64,
 * without per-process cluster state (see src/lake/docs/fingerprint.md).
 */
export { createLogFingerprinter, type LogFingerprinter, logFingerprintTokens } from './fingerprint.js';
export { MAX_TOKENS } from './tokenizer.js';
