/**
 * Bucket notification configuration (`PUT/GET /bucket?notification`): the S3 document parsed and
 * checked as S3 checks it, kept as JSON under the gateway's reserved prefix in the bucket's own port (so
 * it survives restarts and every gateway over the same storage sees it). A destination is an SNS topic,
 * SQS queue or Lambda ARN; the gateway delivers to the HTTP endpoint `notificationTargets` maps it to,
 * and refuses an ARN it has no endpoint for, as S3 refuses a destination it cannot validate.
 */
import { BucketkitError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { smallBody } from './body.js';
import { RESERVED_PREFIX, type RequestContext, servedBucket } from './context.js';
import { send, sendXml } from './http.js';
import { s3Error } from './s3-errors.js';
import { childrenNamed, childText, parseXml, toXml, type XmlElement, type XmlNode } from './xml.js';

/** One destination of a bucket's notifications. */
export interface NotificationRule {
  id: string;
  kind: 'Topic' | 'Queue' | 'CloudFunction';
  arn: string;
  /** S3 event names, e.g. `s3:ObjectCreated:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export const NOTIFICATION_KEY = `${RESERVED_PREFIX}notification.json`;

const KINDS = ['Topic', 'Queue', 'CloudFunction'] as const;

/** Every event type S3 lets a configuration name. */
const EVENT_TYPES = new Set(
  [
    'ObjectCreated:*',
    'ObjectCreated:Put',
    'ObjectCreated:Post',
    'ObjectCreated:Copy',
    'ObjectCreated:CompleteMultipartUpload',
    'ObjectRemoved:*',
    'ObjectRemoved:Delete',
    'ObjectRemoved:DeleteMarkerCreated',
    'ObjectRestore:*',
    'ObjectRestore:Post',
    'ObjectRestore:Completed',
    'ObjectRestore:Delete',
    'ReducedRedundancyLostObject',
    'Replication:*',
    'Replication:OperationFailedReplication',
    'Replication:OperationNotTracked',
    'Replication:OperationMissedThreshold',
    'Replication:OperationReplicatedAfterThreshold',
    'LifecycleExpiration:*',
    'LifecycleExpiration:Delete',
    'LifecycleExpiration:DeleteMarkerCreated',
    'LifecycleTransition',
    'IntelligentTiering',
    'ObjectTagging:*',
    'ObjectTagging:Put',
    'ObjectTagging:Delete',
    'ObjectAcl:Put',
  ].map((e) => `s3:${e}`),
);

/**
 * True when a rule asks for event `name` (`ObjectCreated:Put`) on `key`.
 *
 * @example
 * ```ts
 * ruleMatches({ id: 'a', kind: 'Queue', arn, events: ['s3:ObjectCreated:*'], prefix: 'logs/' }, 'ObjectCreated:Put', 'logs/a');
 * ```
 */
export function ruleMatches(rule: NotificationRule, name: string, key: string): boolean {
  if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) return false;
  if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) return false;
  const [group] = name.split(':');
  return rule.events.some((e) => e === `s3:${name}` || e === `s3:${group}:*`);
}

function parseRule(
  element: XmlElement,
  kind: NotificationRule['kind'],
  targets: Readonly<Record<string, string>>,
) {
  const arn = childText(element, kind)?.trim();
  if (!arn) throw s3Error('MalformedXML', 400, `a ${kind}Configuration needs a ${kind} ARN`);
  const events = childrenNamed(element, 'Event').map((e) => e.text.trim());
  if (events.length === 0)
    throw s3Error('MalformedXML', 400, `the ${kind}Configuration for ${arn} names no Event`);
  for (const event of events) {
    if (!EVENT_TYPES.has(event)) {
      throw s3Error('InvalidArgument', 400, `The event is not supported for notifications: ${event}`);
    }
  }
  if (!Object.hasOwn(targets, arn)) {
    throw s3Error(
      'InvalidArgument',
      400,
      `Unable to validate the following destination configurations: ${arn} (the gateway has no endpoint for it: add it to notificationTargets)`,
    );
  }
  const rule: NotificationRule = {
    id: childText(element, 'Id')?.trim() || randomId(),
    kind,
    arn,
    events: [...new Set(events)],
  };
  const filters = element.children.find((c) => c.name === 'Filter');
  const key = filters?.children.find((c) => c.name === 'S3Key');
  for (const filter of key ? childrenNamed(key, 'FilterRule') : []) {
    const name = (childText(filter, 'Name') ?? '').trim().toLowerCase();
    const value = childText(filter, 'Value') ?? '';
    if (name !== 'prefix' && name !== 'suffix') {
      throw s3Error('InvalidArgument', 400, 'filter rule name must be either prefix or suffix');
    }
    if (rule[name] !== undefined) {
      throw s3Error('InvalidArgument', 400, `Cannot specify more than one ${name} rule in a filter.`);
    }
    rule[name] = value;
  }
  return rule;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Buffer.from(bytes).toString('base64url');
}

/**
 * The rules of a NotificationConfiguration document; every destination must be in `targets`.
 *
 * @example
 * ```ts
 * parseNotificationConfiguration(xml, { 'arn:aws:sqs:us-east-1:1:lake': 'http://127.0.0.1:8080/events' });
 * ```
 */
export function parseNotificationConfiguration(
  xml: string,
  targets: Readonly<Record<string, string>>,
): NotificationRule[] {
  const root = parseXml(xml);
  if (root.name !== 'NotificationConfiguration') {
    throw s3Error('MalformedXML', 400, 'the body must be a NotificationConfiguration document');
  }
  const rules: NotificationRule[] = [];
  for (const child of root.children) {
    const kind = KINDS.find((k) => child.name === `${k}Configuration`);
    if (kind) rules.push(parseRule(child, kind, targets));
    else if (child.name === 'EventBridgeConfiguration') {
      throw s3Error(
        'InvalidArgument',
        400,
        'EventBridge is not available on this gateway; use a queue, topic or function ARN',
      );
    } else
      throw s3Error('MalformedXML', 400, `unexpected element ${child.name} in NotificationConfiguration`);
  }
  const ids = rules.map((r) => r.id);
  if (new Set(ids).size !== ids.length) {
    throw s3Error(
      'InvalidArgument',
      400,
      'Configuration IDs must be unique within a notification configuration',
    );
  }
  return rules;
}

/**
 * The rules stored for a bucket (none when it has no configuration).
 *
 * @example
 * ```ts
 * const rules = await readNotificationRules(bucket.port);
 * ```
 */
export async function readNotificationRules(
  port: StoragePort,
  signal?: AbortSignal,
): Promise<NotificationRule[]> {
  try {
    const got = await port.get(NOTIFICATION_KEY, signal ? { signal } : {});
    const stored = JSON.parse(await got.text()) as { rules?: NotificationRule[] };
    return Array.isArray(stored.rules) ? stored.rules : [];
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return [];
    throw err;
  }
}

/** PutBucketNotificationConfiguration: an empty document removes the configuration. */
export async function putBucketNotification(
  ctx: RequestContext,
  name: string,
  targets: Readonly<Record<string, string>>,
  saved: (bucket: string, rules: NotificationRule[]) => void,
): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const rules = parseNotificationConfiguration(await smallBody(ctx), targets);
  if (rules.length === 0) await bucket.port.delete(NOTIFICATION_KEY, { signal: ctx.signal });
  else {
    await bucket.port.put(NOTIFICATION_KEY, JSON.stringify({ rules }), {
      contentType: 'application/json',
      signal: ctx.signal,
    });
  }
  saved(name, rules);
  send(ctx.res, 200);
}

/** GetBucketNotificationConfiguration: the stored rules, as S3 writes them. */
export async function getBucketNotification(ctx: RequestContext, name: string): Promise<void> {
  const bucket = await servedBucket(ctx.buckets, name);
  const rules = await readNotificationRules(bucket.port, ctx.signal);
  const body: Record<string, XmlNode[]> = {};
  for (const rule of rules) {
    const filter =
      rule.prefix === undefined && rule.suffix === undefined
        ? {}
        : {
            Filter: {
              S3Key: {
                FilterRule: [
                  ...(rule.prefix === undefined ? [] : [{ Name: 'Prefix', Value: rule.prefix }]),
                  ...(rule.suffix === undefined ? [] : [{ Name: 'Suffix', Value: rule.suffix }]),
                ],
              },
            },
          };
    const list = body[`${rule.kind}Configuration`] ?? [];
    body[`${rule.kind}Configuration`] = list;
    list.push({ Id: rule.id, [rule.kind]: rule.arn, Event: rule.events, ...filter });
  }
  sendXml(ctx.res, toXml('NotificationConfiguration', body));
}
