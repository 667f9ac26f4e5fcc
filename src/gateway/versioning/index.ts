/** Versioning for the gateway over any port: layout.ts tells where versions live. */
export { getBucketVersioning, putBucketVersioning } from './bucket.js';
export { clientVersionId, VERSION_META } from './layout.js';
export { listVersions } from './list-versions.js';
export {
  enableLockOnCreate,
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  guardDelete,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
} from './lock.js';
export {
  carriedMetadata,
  deleteInBatch,
  deleteObjectVersion,
  openVersion,
  readObject,
  requestLock,
  storedVersionId,
  versionHeader,
  withoutVersionId,
} from './objects.js';
export { type BucketState, bucketState, saveState } from './state.js';
export { hasVersions, locateVersion, type VersionWritten, writeVersion } from './store.js';
