/** PutBucketVersioning and GetBucketVersioning. */
import { smallBody } from '../body.js';
import { type RequestContext, servedBucket } from '../context.js';
import { header, send, sendXml } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childText, parseXml, toXml } from '../xml.js';
import { bucketState, holdsNoObjects, saveState } from './state.js';

/**
 * PutBucketVersioning: `Enabled` or `Suspended` (a bucket never returns to unversioned). MFA delete is
 * refused: the gateway has no MFA devices to check a code against.
 *
 * @example
 * ```ts
 * // PUT /photos?versioning  <VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>
 * await putBucketVersioning(ctx, 'photos');
 * ```
 */
export async function putBucketVersioning(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const root = parseXml(await smallBody(ctx));
  if (root.name !== 'VersioningConfiguration') {
    throw s3Error('MalformedXML', 400, 'the body must be a VersioningConfiguration document');
  }
  const status = childText(root, 'Status')?.trim();
  const mfa = childText(root, 'MfaDelete')?.trim();
  if (mfa !== undefined && mfa !== 'Disabled' && mfa !== 'Enabled') {
    throw s3Error('MalformedXML', 400, 'MfaDelete must be Enabled or Disabled');
  }
  if (mfa === 'Enabled' || header(ctx.req.headers, 'x-amz-mfa')) {
    throw s3Error(
      'InvalidRequest',
      400,
      'MFA delete is not supported by the bucketkit gateway; leave MfaDelete out or set it to Disabled',
      { bucket: name },
    );
  }
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') {
    throw s3Error('MalformedXML', 400, 'Status must be Enabled or Suspended');
  }
  const state = await bucketState(bucket);
  if (status === 'Suspended' && state.objectLock) {
    throw s3Error(
      'InvalidBucketState',
      409,
      'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
      { bucket: name },
    );
  }
  if (status !== undefined && status !== state.versioning) {
    // versioning turned on for the first time over an empty bucket: no unnamed object to look for later
    const allNamed =
      state.versioning === 'Unversioned' ? await holdsNoObjects(bucket.base, ctx.signal) : state.allNamed;
    await saveState(
      bucket,
      { ...state, versioning: status, ...(allNamed ? { allNamed: true } : {}) },
      ctx.signal,
    );
  }
  send(ctx.res, 200);
}

/** GetBucketVersioning: empty until versioning was first enabled or suspended. */
export async function getBucketVersioning(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const { versioning } = await bucketState(bucket);
  sendXml(
    ctx.res,
    toXml('VersioningConfiguration', versioning === 'Unversioned' ? {} : { Status: versioning }),
  );
}
