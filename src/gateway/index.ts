/**
 * bucketkit/gateway — an S3-compatible HTTP server over any StoragePort (node only).
 *
 * @example
 * ```ts
 * import { createGateway, folderBuckets } from 'bucketkit/gateway';
 * const gateway = createGateway({
 *   buckets: folderBuckets('./data'),
 *   credentials: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }],
 * });
 * const { endpoint } = await gateway.listen(9000);
 * ```
 */

export type { Authenticated, Credentials } from './auth.js';
export {
  assertBucketName,
  type BucketInfo,
  type BucketProvider,
  folderBuckets,
  staticBuckets,
} from './buckets.js';
export type { GatewayLimits } from './context.js';
export type { CorsOptions } from './cors.js';
export type { Gateway, GatewayOptions, ListeningGateway } from './gateway-options.js';
export { type GatewayUser, loadUsers } from './identity/index.js';
export type { LifecycleReport } from './lifecycle/index.js';
export { type S3ErrorReply, s3Error, toS3Error } from './s3-errors.js';
export { createGateway } from './server.js';
export { type EncryptionOptions, loadEncryptionKeys } from './sse/index.js';
