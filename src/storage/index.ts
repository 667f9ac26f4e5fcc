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
export { multipartEtag } from './contract/md5.js';
// encryption at rest: sealed AES-256-GCM chunks and wrapped data keys (WebCrypto)
export * from './crypto/index.js';
export { type FileStorageOptions, type FileStoragePort, fileStorage } from './file/file.js';
export type { SweepOptions, SweepReport } from './file/sweep.js';
export { type S3StorageOptions, s3Storage } from './s3/s3.js';
export { redactUrl } from './wire/uri.js';
