/**
 * `bucketkit/storage/browser`: the storage ports that run in browsers and other runtimes without Node's
 * APIs (nothing in this entry's graph imports a Node module): `httpStorage` (read-only, over fetch),
 * `memoryStorage`, and the `prefixed` and `instrumented` wrappers, with the contract's types and the
 * error family. The file and s3 ports, and `connect()`, need Node and live in `bucketkit/storage`.
 *
 * @example
 * ```ts
 * import { httpStorage, instrumented } from 'bucketkit/storage/browser';
 * const port = instrumented(httpStorage({ url: 'https://data.example.com/public-bucket' }));
 * const text = await (await port.get('reports/2026.json')).text();
 * ```
 */
export { BucketkitError, type ErrorCode, type ErrorDetails } from '../errors.js';
export { chunksOf, concatBytes, getResult, readAll, streamOf } from './contract/body.js';
export { compareUtf8 } from './contract/listing.js';
export { listedObjectOf, objectInfoOf, type StoredObject } from './contract/object-info.js';
export type * from './contract/port.js';
export {
  assertValidKey,
  assertValidMetadata,
  checkPreconditions,
  deleteEach,
  MAX_KEY_BYTES,
  METADATA_LIMIT_BYTES,
  resolveRange,
} from './contract/validate.js';
export { type HttpStorageOptions, httpStorage } from './http/http.js';
export { memoryStorage } from './memory/memory.js';
export { type EncryptedOptions, type EncryptedPort, encrypted } from './wrappers/encrypted.js';
export {
  AWS_S3_STANDARD,
  type InstrumentedOptions,
  type InstrumentedPort,
  instrumented,
  type Operation,
  type OperationStats,
  type PriceTable,
  type UsageReport,
} from './wrappers/instrumented.js';
export { prefixed } from './wrappers/prefixed.js';
