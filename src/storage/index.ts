/**
 * bucketkit/storage — the StoragePort contract, its adapters and wrappers.
 *
 * @example
 * ```ts
 * import { connect, instrumented } from 'bucketkit/storage';
 * const port = instrumented(connect('file://./data'));
 * ```
 */

// the browser entry's surface (memory and http ports, wrappers, validators, types, errors), then Node's
export * from './browser.js';
export { type ConnectOptions, connect } from './connect.js';
export { type FileStorageOptions, type FileStoragePort, fileStorage } from './file.js';
export type { SweepOptions, SweepReport } from './file-sweep.js';
export { multipartEtag } from './md5.js';
export { type S3StorageOptions, s3Storage } from './s3.js';
export { redactUrl } from './uri.js';
