/** Versioning for the gateway over any port: layout.ts tells where versions live. */
export { getBucketVersioning, putBucketVersioning } from './bucket.js';
export { clientVersionId, isMarker, VERSION_META, versionObject } from './layout.js';
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
export { hasVersions, keyTurn, locateVersion, type VersionWritten, writeVersion } from './store.js';
