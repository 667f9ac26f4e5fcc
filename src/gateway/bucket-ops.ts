import { smallBody } from './body.js';
import { assertBucketName } from './buckets.js';
import { RESERVED_PREFIX, type RequestContext, type ServedBucket, servedBucket } from './context.js';
import { send, sendXml } from './http.js';
import { ownerElement } from './identity/index.js';
import { listPage } from './listing.js';
import { notify } from './notifier.js';
import { s3Error, toS3Error } from './s3-errors.js';
import { deleteInBatch, enableLockOnCreate, guardDelete, hasVersions } from './versioning/index.js';
import { childrenNamed, childText, parseXml, toXml } from './xml.js';

const BUCKET_TOKEN = 'bkb1:';

/** ListBuckets, with `prefix`, `max-buckets` (1 to 10000) and an opaque `continuation-token`. */
export async function listBuckets(ctx: RequestContext): Promise<void> {
  const q = ctx.target.query;
  const prefix = q.get('prefix') ?? '';
  const maxText = q.get('max-buckets');
  if (maxText !== undefined && !/^(?:[1-9]\d{0,3}|10000)$/.test(maxText)) {
    throw s3Error('InvalidArgument', 400, 'max-buckets must be an integer from 1 to 10000');
  }
  const token = q.get('continuation-token') ?? '';
  let after = '';
  if (token) {
    const text = Buffer.from(token, 'base64url').toString('utf8');
    if (!text.startsWith(BUCKET_TOKEN)) {
      throw s3Error('InvalidArgument', 400, 'The continuation token provided is incorrect');
    }
    after = text.slice(BUCKET_TOKEN.length);
  }
  const matching = (await ctx.buckets.list()).filter((b) => b.name.startsWith(prefix) && b.name > after);
  const limit = maxText === undefined ? matching.length : Number(maxText);
  const page = matching.slice(0, limit);
  const next = matching.length > page.length ? page.at(-1)!.name : undefined;
  sendXml(
    ctx.res,
    toXml('ListAllMyBucketsResult', {
      Owner: ownerElement(ctx.users, ctx.owner),
      Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: b.created })) },
      ...(q.has('prefix') ? { Prefix: prefix } : {}),
      ...(next !== undefined
        ? { ContinuationToken: Buffer.from(BUCKET_TOKEN + next, 'utf8').toString('base64url') }
        : {}),
    }),
  );
}

/** CreateBucket, with an optional CreateBucketConfiguration naming the gateway's region. */
export async function createBucket(ctx: RequestContext, name: string): Promise<void> {
  assertBucketName(name);
  const text = await smallBody(ctx);
  if (text.trim()) {
    const config = parseXml(text);
    if (config.name !== 'CreateBucketConfiguration') {
      throw s3Error('MalformedXML', 400, 'the body must be a CreateBucketConfiguration document');
    }
    const location = childText(config, 'LocationConstraint') ?? '';
    if (location && location !== ctx.region) {
      throw s3Error(
        'IllegalLocationConstraintException',
        400,
        `this gateway serves region "${ctx.region}"; create the bucket there or leave out LocationConstraint`,
        { bucket: name },
      );
    }
  }
  try {
    await ctx.buckets.create(name);
  } catch (err) {
    // S3's legacy answer in us-east-1: re-creating a bucket you own is 200, its contents untouched
    if (ctx.region !== 'us-east-1' || toS3Error(err).code !== 'BucketAlreadyOwnedByYou') throw err;
    return send(ctx.res, 200, { location: `/${name}` });
  }
  await enableLockOnCreate(ctx, name);
  send(ctx.res, 200, { location: `/${name}` });
}

/** HeadBucket: 200 with the region, or a body-less 404. */
export async function headBucket(ctx: RequestContext, name: string): Promise<void> {
  await servedBucket(ctx.buckets, name);
  send(ctx.res, 200, { 'x-amz-bucket-region': ctx.region });
}

/** DeleteBucket: only an empty bucket (pending multipart uploads are discarded with it). */
export async function deleteBucket(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const page = await listPage(bucket.port, {
    prefix: '',
    delimiter: '',
    after: '',
    maxKeys: 1,
    signal: ctx.signal,
  });
  if (page.objects.length > 0 || (await hasVersions(bucket.base, ctx.signal))) {
    throw s3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { bucket: name });
  }
  await ctx.buckets.delete(name);
  send(ctx.res, 204);
}

/** GetBucketLocation: empty for us-east-1, as S3 answers. */
export async function bucketLocation(ctx: RequestContext, name: string): Promise<void> {
  await servedBucket(ctx.buckets, name);
  const region = ctx.region === 'us-east-1' ? '' : ctx.region;
  sendXml(
    ctx.res,
    `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
  );
}

/** GetBucketAcl / GetObjectAcl: the owner has full control; ACLs are not otherwise kept. */
export async function acl(ctx: RequestContext, name: string): Promise<void> {
  await servedBucket(ctx.buckets, name);
  const owner = { ID: ctx.owner, DisplayName: ctx.owner };
  const grantee = `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${ctx.owner}</ID><DisplayName>${ctx.owner}</DisplayName></Grantee>`;
  const xml = toXml('AccessControlPolicy', { Owner: owner, AccessControlList: {} }).replace(
    '<AccessControlList></AccessControlList>',
    `<AccessControlList><Grant>${grantee}<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>`,
  );
  sendXml(ctx.res, xml);
}

const MAX_DELETE = 1000;

/** DeleteObjects: an XML list of up to 1000 keys, each reported deleted or failed (Quiet: failures only). */
export async function deleteObjects(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const root = parseXml(await smallBody(ctx));
  if (root.name !== 'Delete') throw s3Error('MalformedXML', 400, 'the body must be a Delete document');
  const quiet = childText(root, 'Quiet')?.trim() === 'true';
  const objects = childrenNamed(root, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE) {
    throw s3Error('MalformedXML', 400, `a Delete document names 1 to ${MAX_DELETE} objects`);
  }
  const deleted: {
    Key: string;
    VersionId?: string;
    DeleteMarker?: boolean;
    DeleteMarkerVersionId?: string;
  }[] = [];
  const errors: { Key: string; VersionId?: string; Code: string; Message: string }[] = [];
  const removed: string[] = [];
  for (const object of objects) {
    const key = childText(object, 'Key');
    if (key === undefined) throw s3Error('MalformedXML', 400, 'every Object needs a Key');
    const version = childText(object, 'VersionId');
    try {
      if (key.startsWith(RESERVED_PREFIX))
        throw s3Error('AccessDenied', 403, 'the key is reserved by the gateway');
      ctx.authorizeKey?.(key, version !== undefined && version !== 'null');
      const versioned = await deleteInBatch(ctx, bucket, key, version, (_, object) =>
        guardDelete(ctx, bucket, object),
      );
      if (!versioned) await bucket.exclusive(key, () => bucket.port.delete(key, { signal: ctx.signal }));
      if (!quiet) deleted.push({ Key: key, ...versioned });
      removed.push(key);
    } catch (err) {
      const reply = toS3Error(err);
      errors.push({
        Key: key,
        ...(version ? { VersionId: version } : {}),
        Code: reply.code,
        Message: reply.message,
      });
    }
  }
  sendXml(ctx.res, toXml('DeleteResult', { Deleted: deleted, Error: errors }));
  for (const key of removed) notify(ctx, bucket, 'ObjectRemoved:Delete', { key });
}
