/** Users, ownership and ACLs for the gateway. */
export { type Acl, allows, cannedAcl, type Grant, type Permission } from './acl.js';
export { getAcl, putAcl, restoreUploadAcl, type UploadAcl, uploadAcl } from './acl-ops.js';
export { authorize, withOwnership } from './authorize.js';
export {
  deleteOwnershipControls,
  deletePublicAccessBlock,
  getOwnershipControls,
  getPublicAccessBlock,
  putOwnershipControls,
  putPublicAccessBlock,
} from './bucket-guards.js';
export {
  deleteBucketPolicy,
  getBucketPolicy,
  getBucketPolicyStatus,
  putBucketPolicy,
} from './policy-ops.js';
export {
  type Caller,
  type Directory,
  directory,
  type GatewayUser,
  loadUsers,
  ownerElement,
} from './users.js';
