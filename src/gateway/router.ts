import { deleteBucketCors, getBucketCors, putBucketCors } from './bucket-cors.js';
import {
  bucketLocation,
  createBucket,
  deleteBucket,
  deleteObjects,
  headBucket,
  listBuckets,
} from './bucket-ops.js';
import {
  deleteBucketEncryption,
  getAccelerate,
  getBucketEncryption,
  getRequestPayment,
  putBucketEncryption,
} from './bucket-settings.js';
import { type RequestContext, type ServedBucket, servedBucket } from './context.js';
import { header } from './http.js';
import {
  authorize,
  deleteBucketPolicy,
  deleteOwnershipControls,
  deletePublicAccessBlock,
  getAcl,
  getBucketPolicy,
  getBucketPolicyStatus,
  getOwnershipControls,
  getPublicAccessBlock,
  putAcl,
  putBucketPolicy,
  putOwnershipControls,
  putPublicAccessBlock,
  withOwnership,
} from './identity/index.js';
import { deleteBucketLifecycle, getBucketLifecycle, putBucketLifecycle } from './lifecycle/index.js';
import { listObjects } from './listing.js';
import { abortUpload, completeUpload, createUpload, listUploadParts, uploadPart } from './multipart.js';
import { listUploads } from './multipart-list.js';
import { getBucketNotification, putBucketNotification } from './notification-config.js';
import { notify } from './notifier.js';
import { getObjectAttributes } from './object-attributes.js';
import { copyObject } from './object-copy.js';
import { getObject } from './object-read.js';
import { deleteObject, putObject, storeObject } from './object-write.js';
import { answerUpload, type BrowserUpload } from './post/index.js';
import { s3Error } from './s3-errors.js';
import { encryptionScope, withEncryption } from './sse/index.js';
import { SUB_RESOURCES } from './sub-resources.js';
import {
  deleteBucketTagging,
  deleteObjectTagging,
  getBucketTagging,
  getObjectTagging,
  putBucketTagging,
  putObjectTagging,
} from './tagging.js';
import {
  deleteObjectVersion,
  getBucketVersioning,
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  guardDelete,
  listVersions,
  putBucketVersioning,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
  readObject,
} from './versioning/index.js';

type Handler = (ctx: RequestContext, name: string) => Promise<void>;

const resolve = async (ctx: RequestContext, name: string) =>
  withEncryption(ctx, withOwnership(ctx, await servedBucket(ctx.buckets, name)));

const bucketOp =
  (run: (ctx: RequestContext, bucket: ServedBucket) => Promise<void>): Handler =>
  async (ctx, name) =>
    run(ctx, await resolve(ctx, name));

/** Bucket-level operations by `METHOD sub-resource` ('' when none): the whole allow-list. */
const BUCKET_OPS: Record<string, Handler> = {
  'PUT ': (ctx, name) => createBucket(ctx, name),
  'HEAD ': (ctx, name) => headBucket(ctx, name),
  'DELETE ': (ctx, name) => deleteBucket(ctx, name),
  'GET ': async (ctx, name) => listObjects(ctx, await resolve(ctx, name)),
  'GET location': (ctx, name) => bucketLocation(ctx, name),
  'GET versioning': (ctx, name) => getBucketVersioning(ctx, name),
  'PUT versioning': (ctx, name) => putBucketVersioning(ctx, name),
  'GET object-lock': (ctx, name) => getObjectLockConfiguration(ctx, name),
  'PUT object-lock': (ctx, name) => putObjectLockConfiguration(ctx, name),
  'GET acl': getAcl,
  'PUT acl': putAcl,
  'GET publicAccessBlock': bucketOp(getPublicAccessBlock),
  'PUT publicAccessBlock': bucketOp(putPublicAccessBlock),
  'DELETE publicAccessBlock': bucketOp(deletePublicAccessBlock),
  'GET policy': bucketOp(getBucketPolicy),
  'PUT policy': bucketOp(putBucketPolicy),
  'DELETE policy': bucketOp(deleteBucketPolicy),
  'GET policyStatus': bucketOp(getBucketPolicyStatus),
  'GET ownershipControls': bucketOp(getOwnershipControls),
  'PUT ownershipControls': bucketOp(putOwnershipControls),
  'DELETE ownershipControls': bucketOp(deleteOwnershipControls),
  'GET lifecycle': (ctx, name) => getBucketLifecycle(ctx, name),
  'PUT lifecycle': (ctx, name) => putBucketLifecycle(ctx, name),
  'DELETE lifecycle': (ctx, name) => deleteBucketLifecycle(ctx, name),
  'GET uploads': async (ctx, name) => listUploads(ctx, await resolve(ctx, name)),
  'GET versions': async (ctx, name) => listVersions(ctx, await resolve(ctx, name)),
  'POST delete': async (ctx, name) => deleteObjects(ctx, await resolve(ctx, name)),
  'GET cors': bucketOp(getBucketCors),
  'PUT cors': bucketOp(putBucketCors),
  'DELETE cors': bucketOp(deleteBucketCors),
  'GET tagging': bucketOp(getBucketTagging),
  'PUT tagging': bucketOp(putBucketTagging),
  'DELETE tagging': bucketOp(deleteBucketTagging),
  'GET encryption': bucketOp(getBucketEncryption),
  'PUT encryption': bucketOp(putBucketEncryption),
  'DELETE encryption': bucketOp(deleteBucketEncryption),
  'GET requestPayment': bucketOp(getRequestPayment),
  'GET accelerate': bucketOp(getAccelerate),
  'GET notification': (ctx, name) => getBucketNotification(ctx, name),
  'PUT notification': (ctx, name) =>
    putBucketNotification(ctx, name, ctx.notificationTargets, (bucket, rules) =>
      ctx.notifier?.configured(bucket, rules),
    ),
};

const objectOp = bucketOp;
const partUpload = objectOp((ctx, bucket) => uploadPart(ctx, bucket, (n) => resolve(ctx, n)));
const read = (head: boolean) =>
  objectOp((ctx, bucket) => readObject(ctx, bucket, (object) => getObject(ctx, bucket, head, object)));

/** Object operations that take `versionId`; any other answers NoSuchVersion for a version but `null`. */
const VERSIONED = new Set([
  'GET ',
  'GET partNumber',
  'HEAD ',
  'HEAD partNumber',
  'DELETE ',
  'GET acl',
  'PUT acl',
  'GET retention',
  'PUT retention',
  'GET legal-hold',
  'PUT legal-hold',
  'GET tagging',
  'PUT tagging',
  'DELETE tagging',
  'GET attributes',
]);

/** Object-level operations by `METHOD sub-resource[&sub-resource]`: the whole allow-list. */
const OBJECT_OPS: Record<string, Handler> = {
  'GET ': read(false),
  'GET partNumber': read(false),
  'HEAD ': read(true),
  'HEAD partNumber': read(true),
  'GET uploadId': objectOp(listUploadParts),
  'GET tagging': objectOp(getObjectTagging),
  'PUT tagging': objectOp(putObjectTagging),
  'DELETE tagging': objectOp(deleteObjectTagging),
  'GET attributes': objectOp(getObjectAttributes),
  'GET acl': getAcl,
  'PUT acl': putAcl,
  'PUT ': objectOp((ctx, bucket) =>
    header(ctx.req.headers, 'x-amz-copy-source')
      ? copyObject(ctx, bucket, (n) => resolve(ctx, n))
      : putObject(ctx, bucket),
  ),
  'PUT partNumber&uploadId': partUpload,
  'PUT uploadId': partUpload,
  'PUT partNumber': partUpload,
  'POST uploads': objectOp(createUpload),
  'POST uploadId': objectOp(completeUpload),
  'DELETE ': objectOp((ctx, bucket) =>
    deleteObjectVersion(
      ctx,
      bucket,
      () => deleteObject(ctx, bucket),
      (_, object) => guardDelete(ctx, bucket, object),
    ),
  ),
  'GET retention': objectOp(getObjectRetention),
  'PUT retention': objectOp(putObjectRetention),
  'GET legal-hold': objectOp(getObjectLegalHold),
  'PUT legal-hold': objectOp(putObjectLegalHold),
  'DELETE uploadId': objectOp(abortUpload),
};

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);

const methodNotAllowed = () =>
  s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');

/** The sub-resources a query names, in canonical spelling, sorted and joined with `&`. */
function subResourcesOf(query: Map<string, string>): string {
  const found: string[] = [];
  for (const name of query.keys()) {
    const canonical = SUB_RESOURCES.get(name.toLowerCase());
    if (canonical !== undefined && !found.includes(canonical)) found.push(canonical);
  }
  return found.sort().join('&');
}

/**
 * Sends a request to its S3 operation by an allow-list of (method, level, sub-resources): a pair the
 * gateway does not implement is a 501 NotImplemented, never another operation (a `DELETE ?cors` must
 * not delete the bucket); a method S3 does not have is a 405.
 *
 * @example
 * ```ts
 * await route(ctx);
 * ```
 */
export async function route(ctx: RequestContext): Promise<void> {
  const { bucket: name, key, query } = ctx.target;
  const method = ctx.req.method ?? 'GET';
  if (!METHODS.has(method)) throw methodNotAllowed();
  const subs = subResourcesOf(query);
  const operation = `${method} ${subs}`;
  if (name === undefined) {
    if (operation === 'GET ') {
      await authorize(ctx, operation, name, key);
      return listBuckets(ctx);
    }
    throw subs ? notImplemented(operation, 'the service') : methodNotAllowed();
  }
  const handler = key === undefined ? BUCKET_OPS[operation] : OBJECT_OPS[operation];
  if (!handler) throw notImplemented(operation, key === undefined ? 'a bucket' : 'an object');
  ctx.sse = encryptionScope(ctx, operation, key !== undefined);
  await authorize(ctx, operation, name, key);
  if (key !== undefined && !VERSIONED.has(operation)) {
    const version = query.get('versionId');
    if (version !== undefined && version !== 'null') {
      throw s3Error(
        'NoSuchVersion',
        404,
        `${operation.trim()} of one version is not implemented; leave out versionId`,
      );
    }
  }
  return handler(ctx, name);
}

function notImplemented(operation: string, level: string) {
  const [method, subs] = operation.split(' ');
  const what = subs ? `${method} with ?${subs.replace(/&/g, '&?')}` : `${method}`;
  return s3Error('NotImplemented', 501, `${what} on ${level} is not implemented by the bucketkit gateway`);
}

/**
 * A browser upload (POST Object): authorized and written as a PutObject of the form's key, answered
 * as S3 answers a POST.
 *
 * @example
 * ```ts
 * await routeBrowserUpload(ctx, await readBrowserUpload(req, target, boundary, options));
 * ```
 */
export async function routeBrowserUpload(ctx: RequestContext, upload: BrowserUpload): Promise<void> {
  const name = ctx.target.bucket!;
  ctx.target = { ...ctx.target, key: upload.key };
  ctx.sse = encryptionScope(ctx, 'PUT ', true);
  await authorize(ctx, 'PUT ', name, upload.key);
  const bucket = await resolve(ctx, name);
  const result = await storeObject(ctx, bucket);
  answerUpload(ctx, upload, bucket, result);
  notify(ctx, bucket, 'ObjectCreated:Post', { key: upload.key, size: result.size, etag: result.etag });
}
