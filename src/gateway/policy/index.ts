/** Bucket policies: the IAM policy language subset S3 bucket policies use, compiled and evaluated. */
export { resourceArn, s3Action } from './actions.js';
export { type ContextValues, compileConditions } from './conditions.js';
export {
  assertPolicyFor,
  type BucketPolicy,
  compilePolicy,
  MAX_POLICY_BYTES,
  type Statement,
} from './document.js';
export { type Decision, evaluatePolicy, type PolicyRequest } from './evaluate.js';
export { isPublicPolicy } from './public.js';
export { requestValues, sourceIp } from './request.js';
export { bucketPolicy, writeBucketPolicy } from './store.js';
