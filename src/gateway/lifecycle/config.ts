/**
 * Bucket lifecycle configuration (`PUT/GET/DELETE /bucket?lifecycle`): S3's document parsed and checked
 * as S3 checks it, kept as JSON in the bucket's own port (`.bucketkit-gateway/lifecycle.json`). The
 * sweeper (sweep.ts) applies it.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { smallBody } from '../body.js';
import { RESERVED_PREFIX, type RequestContext, servedBucket } from '../context.js';
import { send, sendXml } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childrenNamed, childText, parseXml, toXml, type XmlElement, type XmlNode } from '../xml.js';

/** Which objects a rule applies to: all conditions hold. */
export interface LifecycleFilter {
  prefix?: string;
  tags?: Array<{ key: string; value: string }>;
  sizeGreaterThan?: number;
  sizeLessThan?: number;
}

/** One lifecycle rule, as stored. */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  /** How the filter was written (a `Filter` element, or the legacy rule-level `Prefix`). */
  legacyPrefix?: boolean;
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  noncurrentExpiration?: { days: number; newerNoncurrentVersions?: number };
  abortIncompleteMultipartDays?: number;
}

export const LIFECYCLE_KEY = `${RESERVED_PREFIX}lifecycle.json`;
const MAX_RULES = 1000;

const malformed = (message: string) => s3Error('MalformedXML', 400, message);

function positive(text: string | undefined, name: string, allowZero = false): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || (!allowZero && n <= 0)) {
    throw s3Error(
      'InvalidArgument',
      400,
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
    );
  }
  return n;
}

function parseTag(element: XmlElement) {
  const key = childText(element, 'Key');
  if (key === undefined) throw malformed('a Tag needs a Key');
  return { key, value: childText(element, 'Value') ?? '' };
}

function parseFilter(element: XmlElement): LifecycleFilter {
  const and = element.children.find((c) => c.name === 'And');
  const source = and ?? element;
  const filter: LifecycleFilter = {};
  const prefix = childText(source, 'Prefix');
  if (prefix !== undefined) filter.prefix = prefix;
  const tags = childrenNamed(source, 'Tag').map(parseTag);
  if (tags.length > 0) filter.tags = tags;
  const greater = positive(childText(source, 'ObjectSizeGreaterThan'), 'ObjectSizeGreaterThan', true);
  const less = positive(childText(source, 'ObjectSizeLessThan'), 'ObjectSizeLessThan');
  if (greater !== undefined) filter.sizeGreaterThan = greater;
  if (less !== undefined) filter.sizeLessThan = less;
  if (!and && element.children.length > 1) throw malformed('a Filter with more than one condition needs And');
  if (greater !== undefined && less !== undefined && less <= greater) {
    throw s3Error('InvalidRequest', 400, 'ObjectSizeLessThan must be greater than ObjectSizeGreaterThan');
  }
  return filter;
}

/** A lifecycle `Date`: ISO 8601, at midnight GMT (S3 refuses any other form with 400). */
function midnight(text: string): Date {
  const at = new Date(text);
  if (!ISO_DATE.test(text.trim()) || Number.isNaN(at.getTime()) || at.getTime() % 86_400_000 !== 0) {
    throw s3Error('InvalidArgument', 400, "'Date' must be an ISO 8601 date at midnight GMT");
  }
  return at;
}
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A Transition / NoncurrentVersionTransition as S3 validates it: a storage class and one time. */
function checkTransition(element: XmlElement): void {
  const noncurrent = element.name === 'NoncurrentVersionTransition';
  const days = childText(element, noncurrent ? 'NoncurrentDays' : 'Days');
  const date = noncurrent ? undefined : childText(element, 'Date');
  if ((days === undefined) === (date === undefined)) {
    throw malformed(`${element.name} has exactly one of ${noncurrent ? 'NoncurrentDays' : 'Days and Date'}`);
  }
  if (days !== undefined) positive(days, `${element.name} days`, true);
  if (date !== undefined) midnight(date);
  if (!childText(element, 'StorageClass')) throw malformed(`${element.name} needs a StorageClass`);
}

function parseRule(element: XmlElement): LifecycleRule {
  const id = childText(element, 'ID') ?? '';
  if (id.length > 255) throw s3Error('InvalidArgument', 400, 'a rule ID is at most 255 characters');
  const status = childText(element, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw malformed('Status must be Enabled or Disabled');
  const filterElement = element.children.find((c) => c.name === 'Filter');
  const legacy = childText(element, 'Prefix');
  if (filterElement && legacy !== undefined) throw malformed('a rule has either Filter or Prefix, not both');
  const rule: LifecycleRule = {
    id: id || `rule-${Math.random().toString(36).slice(2, 10)}`,
    enabled: status === 'Enabled',
    filter: filterElement ? parseFilter(filterElement) : legacy ? { prefix: legacy } : {},
    ...(legacy !== undefined ? { legacyPrefix: true } : {}),
  };
  const transitions = [
    ...childrenNamed(element, 'Transition'),
    ...childrenNamed(element, 'NoncurrentVersionTransition'),
  ];
  // a malformed transition is the client's error (400) before it is one the gateway cannot do (501)
  for (const transition of transitions) checkTransition(transition);
  if (transitions.length) {
    throw s3Error(
      'NotImplemented',
      501,
      'lifecycle transitions are not implemented by the bucketkit gateway (it has one storage class)',
    );
  }
  const expiration = element.children.find((c) => c.name === 'Expiration');
  if (expiration) {
    const days = positive(childText(expiration, 'Days'), 'Expiration Days');
    const date = childText(expiration, 'Date');
    const marker = childText(expiration, 'ExpiredObjectDeleteMarker');
    const given = [days !== undefined, date !== undefined, marker !== undefined].filter(Boolean).length;
    if (given !== 1)
      throw malformed('Expiration has exactly one of Days, Date and ExpiredObjectDeleteMarker');
    const at = date === undefined ? undefined : midnight(date);
    if (marker !== undefined && rule.filter.tags) {
      throw s3Error('InvalidArgument', 400, 'ExpiredObjectDeleteMarker cannot be specified with object tags');
    }
    rule.expiration = {
      ...(days !== undefined ? { days } : {}),
      ...(at ? { date: at.toISOString() } : {}),
      ...(marker !== undefined ? { expiredObjectDeleteMarker: marker.trim() === 'true' } : {}),
    };
  }
  const noncurrent = element.children.find((c) => c.name === 'NoncurrentVersionExpiration');
  if (noncurrent) {
    const days = positive(childText(noncurrent, 'NoncurrentDays'), 'NoncurrentDays');
    if (days === undefined) throw malformed('NoncurrentVersionExpiration needs NoncurrentDays');
    const newer = positive(childText(noncurrent, 'NewerNoncurrentVersions'), 'NewerNoncurrentVersions');
    rule.noncurrentExpiration = { days, ...(newer !== undefined ? { newerNoncurrentVersions: newer } : {}) };
  }
  const abort = element.children.find((c) => c.name === 'AbortIncompleteMultipartUpload');
  if (abort) {
    if (rule.filter.tags) {
      throw s3Error('InvalidRequest', 400, 'AbortIncompleteMultipartUpload cannot be specified with Tags');
    }
    const days = positive(childText(abort, 'DaysAfterInitiation'), 'DaysAfterInitiation');
    if (days === undefined) throw malformed('AbortIncompleteMultipartUpload needs DaysAfterInitiation');
    rule.abortIncompleteMultipartDays = days;
  }
  if (!rule.expiration && !rule.noncurrentExpiration && rule.abortIncompleteMultipartDays === undefined) {
    throw malformed('a rule needs at least one action');
  }
  return rule;
}

/**
 * Parses a LifecycleConfiguration document.
 *
 * @example
 * ```ts
 * parseLifecycle('<LifecycleConfiguration><Rule><ID>a</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>');
 * ```
 */
export function parseLifecycle(xml: string): LifecycleRule[] {
  const root = parseXml(xml);
  if (root.name !== 'LifecycleConfiguration')
    throw malformed('the body must be a LifecycleConfiguration document');
  const rules = childrenNamed(root, 'Rule').map(parseRule);
  if (rules.length === 0 || rules.length > MAX_RULES)
    throw malformed(`a configuration has 1 to ${MAX_RULES} rules`);
  if (new Set(rules.map((r) => r.id)).size !== rules.length) {
    throw s3Error('InvalidArgument', 400, 'Rule ID must be unique. Found same ID for more than one rule');
  }
  return rules;
}

/** A bucket's lifecycle rules, or undefined when it has none. */
export async function readLifecycle(
  port: StoragePort,
  signal?: AbortSignal,
): Promise<LifecycleRule[] | undefined> {
  try {
    const got = await port.get(LIFECYCLE_KEY, signal ? { signal } : {});
    return (JSON.parse(await got.text()) as { rules: LifecycleRule[] }).rules;
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** PutBucketLifecycleConfiguration: replaces the bucket's rules. */
export async function putBucketLifecycle(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const rules = parseLifecycle(await smallBody(ctx));
  await bucket.base.put(LIFECYCLE_KEY, JSON.stringify({ rules }), {
    contentType: 'application/json',
    signal: ctx.signal,
  });
  send(ctx.res, 200);
}

/** DeleteBucketLifecycle. */
export async function deleteBucketLifecycle(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  await bucket.base.delete(LIFECYCLE_KEY, { signal: ctx.signal });
  send(ctx.res, 204);
}

function filterXml(rule: LifecycleRule): XmlNode {
  if (rule.legacyPrefix) return { Prefix: rule.filter.prefix ?? '' };
  const { prefix, tags = [], sizeGreaterThan, sizeLessThan } = rule.filter;
  const parts: XmlNode = {
    ...(prefix !== undefined ? { Prefix: prefix } : {}),
    ...(tags.length ? { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
    ...(sizeGreaterThan !== undefined ? { ObjectSizeGreaterThan: sizeGreaterThan } : {}),
    ...(sizeLessThan !== undefined ? { ObjectSizeLessThan: sizeLessThan } : {}),
  };
  return { Filter: Object.keys(parts).length > 1 || tags.length > 1 ? { And: parts } : parts };
}

/** GetBucketLifecycleConfiguration. */
export async function getBucketLifecycle(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const rules = await readLifecycle(bucket.base, ctx.signal);
  if (!rules) {
    throw s3Error('NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist', {
      bucket: name,
    });
  }
  const body = rules.map((rule) => ({
    ID: rule.id,
    ...filterXml(rule),
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    ...(rule.expiration
      ? {
          Expiration: {
            ...(rule.expiration.days !== undefined ? { Days: rule.expiration.days } : {}),
            ...(rule.expiration.date !== undefined ? { Date: rule.expiration.date } : {}),
            ...(rule.expiration.expiredObjectDeleteMarker !== undefined
              ? { ExpiredObjectDeleteMarker: rule.expiration.expiredObjectDeleteMarker }
              : {}),
          },
        }
      : {}),
    ...(rule.noncurrentExpiration
      ? {
          NoncurrentVersionExpiration: {
            NoncurrentDays: rule.noncurrentExpiration.days,
            ...(rule.noncurrentExpiration.newerNoncurrentVersions !== undefined
              ? { NewerNoncurrentVersions: rule.noncurrentExpiration.newerNoncurrentVersions }
              : {}),
          },
        }
      : {}),
    ...(rule.abortIncompleteMultipartDays !== undefined
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteMultipartDays } }
      : {}),
  }));
  sendXml(ctx.res, toXml('LifecycleConfiguration', { Rule: body }));
}
