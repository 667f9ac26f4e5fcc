/**
 * bucketkit — one storage contract over S3 or a local folder.
 *
 * @example
 * ```ts
 * import { connect, BucketkitError } from 'bucketkit';
 * const port = connect('file://./.bucketkit-demo');
 * await port.put('hello.txt', 'hello');
 * ```
 */
export { BucketkitError, bkError, ERROR_CODES, type ErrorCode, type ErrorDetails } from './errors.js';
export { type LogEvent, type Logger, type LogLevel, log, setLogger } from './logger.js';
export * from './storage/index.js';
