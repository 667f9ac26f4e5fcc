import xxhash, { type XXHashAPI } from 'xxhash-wasm';
import { jsonBody } from './json-body.js';
import { tokenizeLine } from './tokenizer.js';

/** Turns a log message into its pattern id: the same for messages that differ only in their variable parts. */
export type LogFingerprinter = (message: string) => bigint;

let loading: Promise<XXHashAPI> | undefined;

/**
 * The tokens a message's fingerprint hashes: for a line carrying a JSON object, the tokens of
 * `prefix level message suffix` followed by the object's sorted key paths; otherwise the tokens of the line.
 *
 * @example
 * ```ts
 * logFingerprintTokens('user 42 logged in from 10.1.2.3');
 * // ['user', '<Number>', 'logged', 'in', 'from', '<IPv4>']
 * ```
 */
export function logFingerprintTokens(message: string): string[] {
  const body = message.includes('{') ? jsonBody(message.trim()) : undefined;
  if (!body) return tokenizeLine(message);
  return [...tokenizeLine(body.text), ...body.keyPaths];
}

/**
 * Loads the hash (xxhash64, WebAssembly) once and returns the fingerprint function: xxhash64 (seed 0) of the
 * tokens joined by `:`, as a signed 64-bit integer (LakeRunner's `chq_fingerprint` is an int64). It keeps no
 * state between calls, so every process and every restart gives a message the same id.
 *
 * @example
 * ```ts
 * const fingerprint = await createLogFingerprinter();
 * fingerprint('GET /users/17 took 12ms') === fingerprint('GET /users/9 took 340ms'); // true
 * ```
 */
export async function createLogFingerprinter(): Promise<LogFingerprinter> {
  loading ??= xxhash();
  const { h64 } = await loading;
  return (message) => BigInt.asIntN(64, h64(logFingerprintTokens(message).join(':')));
}
