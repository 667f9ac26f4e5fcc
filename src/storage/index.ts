/**
 * bucketkit/storage — the StoragePort contract, its adapters and wrappers.
 *
 * @example
 * ```ts
 * import { connect, instrumented } from 'bucketkit/storage';
 * const port = instrumented(connect('file://./data'));
 * ```
 */

export { chunksOf, concatBytes, getResult, readAll, streamOf } from './body.js';
export { type ConnectOptions, connect } from './connect.js';
export { type FileStorageOptions, fileStorage } from './file.js';
export { type HttpStorageOptions, httpStorage } from './http.js';
export {
  AWS_S3_STANDARD,
  type InstrumentedOptions,
  type InstrumentedPort,
  instrumented,
  type Operation,
  type OperationStats,
  type PriceTable,
  type UsageReport,
} from './instrumented.js';
export { compareUtf8 } from './listing.js';
export { multipartEtag } from './md5.js';
export { memoryStorage } from './memory.js';
export type * from './port.js';
export { prefixed } from './prefixed.js';
export { type S3StorageOptions, s3Storage } from './s3.js';
export {
  assertValidKey,
  assertValidMetadata,
  checkPreconditions,
  deleteEach,
  MAX_KEY_BYTES,
  METADATA_LIMIT_BYTES,
  resolveRange,
} from './validate.js';
