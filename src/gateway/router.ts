import {
  acl,
  bucketLocation,
  bucketVersioning,
  createBucket,
  deleteBucket,
  deleteObjects,
  headBucket,
  listBuckets,
} from './bucket-ops.js';
import { type RequestContext, servedBucket } from './context.js';
import { header } from './http.js';
import { listObjects, listObjectVersions } from './listing.js';
import {
  abortUpload,
  completeUpload,
  createUpload,
  listUploadParts,
  listUploads,
  uploadPart,
} from './multipart.js';
import { copyObject, deleteObject, getObject, putObject } from './objects.js';
import { s3Error } from './s3-errors.js';

/** Bucket sub-resources this gateway does not keep: a clear 501 rather than a wrong answer. */
const UNSUPPORTED = [
  'policy',
  'lifecycle',
  'tagging',
  'cors',
  'website',
  'encryption',
  'replication',
  'object-lock',
  'notification',
  'logging',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'attributes',
];

const notImplemented = (what: string) =>
  s3Error('NotImplemented', 501, `${what} is not implemented by the bucketkit gateway`);

/**
 * Sends a request to its S3 operation by method, bucket, key and query sub-resource.
 *
 * @example
 * ```ts
 * await route(ctx);
 * ```
 */
export async function route(ctx: RequestContext): Promise<void> {
  const { bucket: name, key, query } = ctx.target;
  const method = ctx.req.method ?? 'GET';
  if (name === undefined) {
    if (method === 'GET') return listBuckets(ctx);
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  const sub = UNSUPPORTED.find((s) => query.has(s));
  if (sub) throw notImplemented(`the "${sub}" sub-resource`);
  const resolve = (bucketName: string) => servedBucket(ctx.buckets, bucketName);
  if (key === undefined) {
    switch (method) {
      case 'PUT':
        if (query.has('versioning') || query.has('acl')) throw notImplemented('changing versioning or ACLs');
        return createBucket(ctx, name);
      case 'HEAD':
        return headBucket(ctx, name);
      case 'DELETE':
        return deleteBucket(ctx, name);
      case 'GET':
        if (query.has('location')) return bucketLocation(ctx, name);
        if (query.has('versioning')) return bucketVersioning(ctx, name);
        if (query.has('acl')) return acl(ctx, name);
        if (query.has('uploads')) return listUploads(ctx, await resolve(name));
        if (query.has('versions')) return listObjectVersions(ctx, await resolve(name));
        return listObjects(ctx, await resolve(name));
      case 'POST':
        if (query.has('delete')) return deleteObjects(ctx, await resolve(name));
        break;
    }
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  const bucket = await resolve(name);
  const version = query.get('versionId');
  if (version !== undefined && version !== 'null') {
    throw s3Error('NoSuchVersion', 404, 'this gateway keeps one version per key (versionId "null")');
  }
  switch (method) {
    case 'GET':
      if (query.has('uploadId')) return listUploadParts(ctx, bucket);
      if (query.has('acl')) return acl(ctx, name);
      return getObject(ctx, bucket, false);
    case 'HEAD':
      return getObject(ctx, bucket, true);
    case 'PUT':
      if (query.has('acl')) throw notImplemented('changing ACLs');
      if (query.has('partNumber') || query.has('uploadId')) return uploadPart(ctx, bucket, resolve);
      if (header(ctx.req.headers, 'x-amz-copy-source')) return copyObject(ctx, bucket, resolve);
      return putObject(ctx, bucket);
    case 'POST':
      if (query.has('uploads')) return createUpload(ctx, bucket);
      if (query.has('uploadId')) return completeUpload(ctx, bucket);
      break;
    case 'DELETE':
      if (query.has('uploadId')) return abortUpload(ctx, bucket);
      return deleteObject(ctx, bucket);
  }
  throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}
