/**
 * The S3 action (IAM name) each gateway operation is authorized as, from the S3 API reference's
 * "Permissions" sections: what a bucket policy's Action element is matched against.
 */

/** Bucket operations by `METHOD sub-resource`. */
const BUCKET_ACTIONS: Record<string, string> = {
  'GET ': 's3:ListBucket',
  'HEAD ': 's3:ListBucket',
  'PUT ': 's3:CreateBucket',
  'DELETE ': 's3:DeleteBucket',
  'GET location': 's3:GetBucketLocation',
  'GET versioning': 's3:GetBucketVersioning',
  'PUT versioning': 's3:PutBucketVersioning',
  'GET object-lock': 's3:GetBucketObjectLockConfiguration',
  'PUT object-lock': 's3:PutBucketObjectLockConfiguration',
  'GET acl': 's3:GetBucketAcl',
  'PUT acl': 's3:PutBucketAcl',
  'GET publicAccessBlock': 's3:GetBucketPublicAccessBlock',
  'PUT publicAccessBlock': 's3:PutBucketPublicAccessBlock',
  'DELETE publicAccessBlock': 's3:PutBucketPublicAccessBlock',
  'GET ownershipControls': 's3:GetBucketOwnershipControls',
  'PUT ownershipControls': 's3:PutBucketOwnershipControls',
  'DELETE ownershipControls': 's3:PutBucketOwnershipControls',
  'GET lifecycle': 's3:GetLifecycleConfiguration',
  'PUT lifecycle': 's3:PutLifecycleConfiguration',
  'DELETE lifecycle': 's3:PutLifecycleConfiguration',
  'GET uploads': 's3:ListBucketMultipartUploads',
  'GET versions': 's3:ListBucketVersions',
  'POST delete': 's3:DeleteObject',
  'POST ': 's3:PutObject',
  'GET cors': 's3:GetBucketCORS',
  'PUT cors': 's3:PutBucketCORS',
  'DELETE cors': 's3:PutBucketCORS',
  'GET tagging': 's3:GetBucketTagging',
  'PUT tagging': 's3:PutBucketTagging',
  'DELETE tagging': 's3:PutBucketTagging',
  'GET encryption': 's3:GetEncryptionConfiguration',
  'PUT encryption': 's3:PutEncryptionConfiguration',
  'DELETE encryption': 's3:PutEncryptionConfiguration',
  'GET requestPayment': 's3:GetBucketRequestPayment',
  'GET accelerate': 's3:GetAccelerateConfiguration',
  'GET notification': 's3:GetBucketNotification',
  'PUT notification': 's3:PutBucketNotification',
  'GET policy': 's3:GetBucketPolicy',
  'PUT policy': 's3:PutBucketPolicy',
  'DELETE policy': 's3:DeleteBucketPolicy',
  'GET policyStatus': 's3:GetBucketPolicyStatus',
};

/** Object operations; a second name is the action when the request names a version. */
const OBJECT_ACTIONS: Record<string, [string, string?]> = {
  'GET ': ['s3:GetObject', 's3:GetObjectVersion'],
  'HEAD ': ['s3:GetObject', 's3:GetObjectVersion'],
  'GET partNumber': ['s3:GetObject', 's3:GetObjectVersion'],
  'HEAD partNumber': ['s3:GetObject', 's3:GetObjectVersion'],
  'GET attributes': ['s3:GetObjectAttributes', 's3:GetObjectVersionAttributes'],
  'GET acl': ['s3:GetObjectAcl', 's3:GetObjectVersionAcl'],
  'PUT acl': ['s3:PutObjectAcl', 's3:PutObjectVersionAcl'],
  'PUT ': ['s3:PutObject'],
  'DELETE ': ['s3:DeleteObject', 's3:DeleteObjectVersion'],
  'PUT partNumber&uploadId': ['s3:PutObject'],
  'PUT uploadId': ['s3:PutObject'],
  'PUT partNumber': ['s3:PutObject'],
  'POST uploads': ['s3:PutObject'],
  'POST uploadId': ['s3:PutObject'],
  'DELETE uploadId': ['s3:AbortMultipartUpload'],
  'GET uploadId': ['s3:ListMultipartUploadParts'],
  'GET tagging': ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'],
  'PUT tagging': ['s3:PutObjectTagging', 's3:PutObjectVersionTagging'],
  'DELETE tagging': ['s3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'],
  'GET retention': ['s3:GetObjectRetention'],
  'PUT retention': ['s3:PutObjectRetention'],
  'GET legal-hold': ['s3:GetObjectLegalHold'],
  'PUT legal-hold': ['s3:PutObjectLegalHold'],
};

/**
 * The S3 action an operation needs (`METHOD sub-resources`, as the router names it); `versioned` when
 * the request names a version other than `null`. Undefined for an operation the table does not know.
 *
 * @example
 * ```ts
 * s3Action('GET ', true, false); // 's3:GetObject'
 * ```
 */
export function s3Action(operation: string, onObject: boolean, versioned: boolean): string | undefined {
  if (!onObject) return BUCKET_ACTIONS[operation];
  const names = OBJECT_ACTIONS[operation];
  if (!names) return undefined;
  return versioned && names[1] ? names[1] : names[0];
}

/**
 * The ARN a policy's Resource element is matched against.
 *
 * @example
 * ```ts
 * resourceArn('photos', 'a/b.jpg'); // 'arn:aws:s3:::photos/a/b.jpg'
 * ```
 */
export const resourceArn = (bucket: string, key?: string): string =>
  key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
