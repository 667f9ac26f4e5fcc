/**
 * The one error family of bucketkit. Every module throws `BucketkitError` with a stable `code`;
 * callers branch on the code, never on the message.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export const ERROR_CODES = [
  'NotFound',
  'BucketNotFound',
  'PreconditionFailed',
  'InvalidKey',
  'InvalidMetadata',
  'MetadataTooLarge',
  'InvalidRange',
  'InvalidArgument',
  'InvalidUrl',
  'AccessDenied',
  'Corrupt',
  'Unsupported',
  'Aborted',
  'Timeout',
  'Backend',
  'Unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('bucketkit.error');

/** Extra, code-specific facts carried by an error (the key, the bucket, the HTTP status...). */
export interface ErrorDetails {
  key?: string;
  bucket?: string;
  status?: number;
  /** True when retrying the same call may succeed (throttling, 5xx, lost races). */
  retryable?: boolean;
  [name: string]: unknown;
}

/**
 * The error every bucketkit call throws.
 *
 * @example
 * ```ts
 * try {
 *   await port.get('missing');
 * } catch (err) {
 *   if (BucketkitError.is(err, 'NotFound')) return null;
 *   throw err;
 * }
 * ```
 */
export class BucketkitError extends Error {
  override readonly name = 'BucketkitError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True when `err` is a bucketkit error (optionally of one of `codes`), even one thrown by another
   * copy of the package: the check uses a global symbol, not `instanceof`.
   *
   * @example
   * ```ts
   * if (BucketkitError.is(err, 'PreconditionFailed')) retry();
   * ```
   */
  static is(err: unknown, ...codes: ErrorCode[]): err is BucketkitError {
    if (typeof err !== 'object' || err === null || (err as Record<symbol, unknown>)[BRAND] !== true) {
      return false;
    }
    return codes.length === 0 || codes.includes((err as BucketkitError).code);
  }
}

/**
 * Shorthand constructor used across the codebase.
 *
 * @example
 * ```ts
 * throw bkError('InvalidKey', 'keys must be 1 to 1024 bytes', { details: { key } });
 * ```
 */
export function bkError(
  code: ErrorCode,
  message: string,
  options: { cause?: unknown; details?: ErrorDetails } = {},
): BucketkitError {
  return new BucketkitError(code, message, options);
}

/**
 * Throws `Aborted` when `signal` is aborted; call it before and between the steps of long work.
 *
 * @example
 * ```ts
 * throwIfAborted(options.signal);
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw bkError('Aborted', 'the operation was aborted by its AbortSignal', { cause: signal.reason });
  }
}
