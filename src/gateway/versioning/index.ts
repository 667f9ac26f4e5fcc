/** Versioning for the gateway over any port: layout.ts tells where versions live. */
export { type AddressedObject, addressedObject } from './addressed.js';
export { getBucketVersioning, putBucketVersioning } from './bucket.js';
export {
  clientVersionId,
  isMarker,
  parseVersionObject,
  VERSION_META,
  VERSIONS_PREFIX,
  versionObject,
} from './layout.js';
export { listVersions } from './list-versions.js';
export {
  enableLockOnCreate,
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  guardDelete,
  protection,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
  rewriteVersionMetadata,
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
export {
  hasVersions,
  keyTurn,
  locateVersion,
  removeVersion,
  type VersionWritten,
  writeDeleteMarker,
  writeVersion,
} from './store.js';
