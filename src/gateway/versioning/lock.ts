/**
 * Object lock: a bucket's default retention (`?object-lock`), each version's retention (`?retention`,
 * GOVERNANCE or COMPLIANCE until a date) and legal hold (`?legal-hold`), kept in the version's hidden
 * metadata, and the rule that a protected version cannot be deleted: COMPLIANCE never before its date,
 * GOVERNANCE only with `x-amz-bypass-governance-retention: true`, a legal hold never while it is on.
 */
import type { Metadata } from '../../storage/index.js';
import { smallBody } from '../body.js';
import {
  assertClientKey,
  headOrUndefined,
  type RequestContext,
  type ServedBucket,
  servedBucket,
} from '../context.js';
import { header, send, sendXml } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childText, parseXml, toXml, type XmlElement } from '../xml.js';
import { addressedObject } from './addressed.js';
import {
  isMarker,
  LOCK_HOLD_META,
  LOCK_MODE_META,
  LOCK_UNTIL_META,
  VERSION_META,
  versionObject,
} from './layout.js';
import {
  type BucketState,
  bucketState,
  type DefaultRetention,
  type RetentionMode,
  saveState,
} from './state.js';
import { keyTurn } from './store.js';

const DAY_MS = 86_400_000;

const MODES = new Set<RetentionMode>(['GOVERNANCE', 'COMPLIANCE']);

const noLockConfig = () => s3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration');

function parseMode(text: string | undefined): RetentionMode {
  if (!MODES.has(text as RetentionMode))
    throw s3Error('MalformedXML', 400, 'Mode must be GOVERNANCE or COMPLIANCE');
  return text as RetentionMode;
}

function parseDate(text: string | undefined, name: string): Date {
  const date = new Date(text ?? '');
  if (!text || Number.isNaN(date.getTime()))
    throw s3Error('InvalidArgument', 400, `${name} must be an ISO 8601 date`);
  return date;
}

/** Marks a new bucket (CreateBucket with `x-amz-bucket-object-lock-enabled: true`) as versioned and locked. */
export async function enableLockOnCreate(ctx: RequestContext, name: string): Promise<void> {
  if (header(ctx.req.headers, 'x-amz-bucket-object-lock-enabled').toLowerCase() !== 'true') return;
  const bucket = await servedBucket(ctx.buckets, name);
  await saveState(bucket, { versioning: 'Enabled', objectLock: {}, allNamed: true }, ctx.signal);
}

function parseRule(root: XmlElement): DefaultRetention | undefined {
  const rule = root.children.find((c) => c.name === 'Rule');
  if (!rule) return undefined;
  const retention = rule.children.find((c) => c.name === 'DefaultRetention');
  if (!retention) throw s3Error('MalformedXML', 400, 'a Rule needs a DefaultRetention');
  const mode = parseMode(childText(retention, 'Mode'));
  const days = childText(retention, 'Days');
  const years = childText(retention, 'Years');
  if ((days === undefined) === (years === undefined)) {
    throw s3Error('MalformedXML', 400, 'DefaultRetention needs exactly one of Days and Years');
  }
  const count = Number(days ?? years);
  if (!Number.isInteger(count) || count <= 0) {
    throw s3Error('InvalidArgument', 400, 'Default retention period must be a positive integer value.');
  }
  return days !== undefined ? { mode, days: count } : { mode, years: count };
}

/** PutObjectLockConfiguration: enables object lock (on a versioned bucket) and sets the default retention. */
export async function putObjectLockConfiguration(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const root = parseXml(await smallBody(ctx));
  if (root.name !== 'ObjectLockConfiguration') {
    throw s3Error('MalformedXML', 400, 'the body must be an ObjectLockConfiguration document');
  }
  if (childText(root, 'ObjectLockEnabled')?.trim() !== 'Enabled') {
    throw s3Error('MalformedXML', 400, 'ObjectLockEnabled must be Enabled');
  }
  const rule = parseRule(root);
  const state = await bucketState(bucket);
  if (state.versioning !== 'Enabled') {
    throw s3Error(
      'InvalidBucketState',
      409,
      'Versioning must be Enabled on the bucket to apply an Object Lock configuration',
      {
        bucket: name,
      },
    );
  }
  await saveState(bucket, { ...state, objectLock: rule ? { rule } : {} }, ctx.signal);
  send(ctx.res, 200);
}

/** GetObjectLockConfiguration. */
export async function getObjectLockConfiguration(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const { objectLock } = await bucketState(bucket);
  if (!objectLock) {
    throw s3Error(
      'ObjectLockConfigurationNotFoundError',
      404,
      'Object Lock configuration does not exist for this bucket',
      { bucket: name },
    );
  }
  const rule = objectLock.rule;
  sendXml(
    ctx.res,
    toXml('ObjectLockConfiguration', {
      ObjectLockEnabled: 'Enabled',
      ...(rule
        ? {
            Rule: {
              DefaultRetention: {
                Mode: rule.mode,
                ...(rule.days ? { Days: rule.days } : { Years: rule.years }),
              },
            },
          }
        : {}),
    }),
  );
}

/**
 * The lock metadata a write gets: from its `x-amz-object-lock-*` headers, else the bucket's default
 * retention. Headers on a bucket without object lock are refused, as S3 does.
 */
export function lockMetadata(
  ctx: RequestContext | undefined,
  state: BucketState,
  now = Date.now(),
): Metadata {
  const mode = ctx ? header(ctx.req.headers, 'x-amz-object-lock-mode') : '';
  const until = ctx ? header(ctx.req.headers, 'x-amz-object-lock-retain-until-date') : '';
  const hold = ctx ? header(ctx.req.headers, 'x-amz-object-lock-legal-hold') : '';
  if ((mode || until || hold) && !state.objectLock) throw noLockConfig();
  if (!state.objectLock) return {};
  const metadata: Metadata = {};
  if (hold) {
    if (hold !== 'ON' && hold !== 'OFF') {
      throw s3Error('InvalidArgument', 400, 'x-amz-object-lock-legal-hold must be ON or OFF');
    }
    metadata[LOCK_HOLD_META] = hold;
  }
  if (mode || until) {
    if (!mode || !until) {
      throw s3Error(
        'InvalidArgument',
        400,
        'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      );
    }
    if (!MODES.has(mode as RetentionMode))
      throw s3Error('InvalidArgument', 400, 'Unknown wormMode directive.');
    const date = parseDate(until, 'x-amz-object-lock-retain-until-date');
    if (date.getTime() <= now)
      throw s3Error('InvalidArgument', 400, 'The retain until date must be in the future!');
    metadata[LOCK_MODE_META] = mode;
    metadata[LOCK_UNTIL_META] = date.toISOString();
  } else if (state.objectLock.rule) {
    const { mode: ruleMode, days, years } = state.objectLock.rule;
    const date = new Date(now);
    if (years) date.setUTCFullYear(date.getUTCFullYear() + years);
    else date.setTime(now + (days ?? 0) * DAY_MS);
    metadata[LOCK_MODE_META] = ruleMode;
    metadata[LOCK_UNTIL_META] = date.toISOString();
  }
  return metadata;
}

/** Why a version may not be deleted now, or undefined when it may (`bypass`: governance bypassed). */
export function protection(metadata: Metadata, bypass: boolean, now = Date.now()): string | undefined {
  if (metadata[LOCK_HOLD_META] === 'ON') return 'it is under a legal hold';
  const until = metadata[LOCK_UNTIL_META];
  if (!until || new Date(until).getTime() <= now) return undefined;
  if (metadata[LOCK_MODE_META] === 'COMPLIANCE') return `it is retained in COMPLIANCE mode until ${until}`;
  if (!bypass)
    return `it is retained in GOVERNANCE mode until ${until} (send x-amz-bypass-governance-retention: true)`;
  return undefined;
}

const bypassOf = (ctx: RequestContext) =>
  header(ctx.req.headers, 'x-amz-bypass-governance-retention').toLowerCase() === 'true';

/**
 * Refuses to delete a protected version (403 AccessDenied, as S3 answers). Costs nothing in a bucket
 * without object lock.
 */
export async function guardDelete(ctx: RequestContext, bucket: ServedBucket, object: string): Promise<void> {
  if (!(await bucketState(bucket)).objectLock) return;
  const info = await headOrUndefined(bucket.base, object, ctx.signal);
  const why = info && protection(info.metadata, bypassOf(ctx));
  if (why)
    throw s3Error('AccessDenied', 403, `Access Denied because object protected by object lock: ${why}`);
}

/** The version a `?retention` / `?legal-hold` request names: its key, stored info and version name. */
async function lockedVersion(ctx: RequestContext, bucket: ServedBucket) {
  const key = assertClientKey(ctx.target.key);
  if (!(await bucketState(bucket)).objectLock) throw noLockConfig();
  const { info, name } = await addressedObject(ctx, bucket, key);
  if (name && isMarker(name)) {
    throw s3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
  }
  return { key, info, name };
}

/**
 * Rewrites a version's hidden metadata in place (a copy onto itself), in its version object and in the
 * key's copy when it is the current version: its lock here, its ACL for PutObjectAcl with a versionId.
 *
 * @example
 * ```ts
 * await rewriteVersionMetadata(bucket, { key, name }, (m) => { m[LOCK_MODE_META] = 'GOVERNANCE'; }, signal);
 * ```
 */
export async function rewriteVersionMetadata(
  bucket: ServedBucket,
  target: { key: string; name: string | undefined },
  change: (metadata: Metadata) => void,
  signal: AbortSignal,
): Promise<void> {
  const { key, name } = target;
  await keyTurn(bucket, key, async () => {
    const objects = [key];
    if (name) objects.push(versionObject(key, name));
    for (const object of objects) {
      const info = await headOrUndefined(bucket.base, object, signal);
      if (!info || (object === key && info.metadata[VERSION_META] !== name)) continue;
      const metadata = { ...info.metadata };
      change(metadata);
      await bucket.base.copy(object, object, {
        metadata,
        ...(info.contentType ? { contentType: info.contentType } : {}),
        ifSourceMatch: info.etag,
        signal,
      });
    }
  });
}

/** PutObjectRetention: set, extend or (GOVERNANCE with bypass) shorten or remove a version's retention. */
export async function putObjectRetention(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const target = await lockedVersion(ctx, bucket);
  const root = parseXml(await smallBody(ctx));
  if (root.name !== 'Retention') throw s3Error('MalformedXML', 400, 'the body must be a Retention document');
  const modeText = childText(root, 'Mode');
  const untilText = childText(root, 'RetainUntilDate');
  const mode = modeText === undefined ? undefined : parseMode(modeText);
  const until = untilText === undefined ? undefined : parseDate(untilText, 'RetainUntilDate');
  if ((mode === undefined) !== (until === undefined)) {
    throw s3Error('MalformedXML', 400, 'a Retention needs both Mode and RetainUntilDate, or neither');
  }
  if (until && until.getTime() <= Date.now()) {
    throw s3Error('InvalidArgument', 400, 'The retain until date must be in the future!');
  }
  const current = target.info.metadata;
  const currentUntil = current[LOCK_UNTIL_META] ? new Date(current[LOCK_UNTIL_META]).getTime() : 0;
  const active = currentUntil > Date.now();
  const weaker =
    active &&
    (until === undefined ||
      until.getTime() < currentUntil ||
      // a lock's mode is one of its settings: GOVERNANCE changes (even to COMPLIANCE) only with bypass
      mode !== current[LOCK_MODE_META]);
  if (weaker) {
    if (current[LOCK_MODE_META] === 'COMPLIANCE' || !bypassOf(ctx)) {
      throw s3Error('AccessDenied', 403, 'Access Denied because object protected by object lock.');
    }
  }
  await rewriteVersionMetadata(
    bucket,
    target,
    (metadata) => {
      if (mode && until) {
        metadata[LOCK_MODE_META] = mode;
        metadata[LOCK_UNTIL_META] = until.toISOString();
      } else {
        delete metadata[LOCK_MODE_META];
        delete metadata[LOCK_UNTIL_META];
      }
    },
    ctx.signal,
  );
  send(ctx.res, 200);
}

/** GetObjectRetention. */
export async function getObjectRetention(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const { info } = await lockedVersion(ctx, bucket);
  const mode = info.metadata[LOCK_MODE_META];
  const until = info.metadata[LOCK_UNTIL_META];
  if (!mode || !until) {
    throw s3Error(
      'NoSuchObjectLockConfiguration',
      404,
      'The specified object does not have a ObjectLock configuration',
    );
  }
  sendXml(ctx.res, toXml('Retention', { Mode: mode, RetainUntilDate: until }));
}

/** PutObjectLegalHold: ON or OFF. */
export async function putObjectLegalHold(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const target = await lockedVersion(ctx, bucket);
  const root = parseXml(await smallBody(ctx));
  const status = childText(root, 'Status')?.trim();
  if (root.name !== 'LegalHold' || (status !== 'ON' && status !== 'OFF')) {
    throw s3Error('MalformedXML', 400, 'the body must be a LegalHold document with Status ON or OFF');
  }
  await rewriteVersionMetadata(
    bucket,
    target,
    (metadata) => {
      metadata[LOCK_HOLD_META] = status;
    },
    ctx.signal,
  );
  send(ctx.res, 200);
}

/** GetObjectLegalHold. */
export async function getObjectLegalHold(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const { info } = await lockedVersion(ctx, bucket);
  if (!info.metadata[LOCK_HOLD_META]) {
    throw s3Error(
      'NoSuchObjectLockConfiguration',
      404,
      'The specified object does not have a ObjectLock configuration',
    );
  }
  sendXml(ctx.res, toXml('LegalHold', { Status: info.metadata[LOCK_HOLD_META] }));
}
