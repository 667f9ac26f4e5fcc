/**
 * Sends S3 event notifications (the AWS event structure 2.1, `{"Records":[...]}`) for a bucket's
 * configured rules to the HTTP endpoints `notificationTargets` maps their ARNs to. Delivery runs after
 * the response: it never delays or fails the request that caused it. A delivery that fails (no answer,
 * a non-2xx status) is retried with exponential backoff (0.25 s doubling to 30 s, 12 attempts, about
 * 5 minutes). At least once while the gateway runs: an event may arrive twice (a retry after a lost
 * answer) and is lost if the gateway stops before delivering it; receivers must be idempotent, as the
 * lake's event endpoint is.
 */
import type { IncomingMessage } from 'node:http';
import { log } from '../logger.js';
import type { RequestContext, ServedBucket } from './context.js';
import { type NotificationRule, readNotificationRules, ruleMatches } from './notification-config.js';

export interface NotifierOptions {
  /** ARN → HTTP endpoint. */
  targets: Readonly<Record<string, string>>;
  region: string;
  /** How long a bucket's configuration is trusted before it is read again (default 5,000 ms). */
  configTtlMs?: number;
  /** Attempts per delivery (default 12). */
  attempts?: number;
  /** First retry delay, doubled each time up to 30 s (default 250 ms). */
  retryMs?: number;
  /** One delivery's time limit (default 300,000 ms: a receiver may ingest before it answers). */
  timeoutMs?: number;
}

/** What happened, for the event record. */
export interface ObjectEvent {
  /** `ObjectCreated:Put`, `ObjectCreated:Copy`, `ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`. */
  name: string;
  key: string;
  size?: number;
  etag?: string;
  /** The caller's access key, the client address and the request id. */
  principal: string;
  sourceIp: string;
  requestId: string;
}

export interface Notifier {
  /** Queues the notifications an event causes; returns at once and never throws. */
  emit(bucket: ServedBucket, event: ObjectEvent): void;
  /** Remembers a bucket's new rules and sends each new destination an `s3:TestEvent`, as S3 does. */
  configured(bucket: string, rules: NotificationRule[]): void;
  /** Deliveries still queued or running. */
  pending(): number;
  /** Stops: running deliveries are aborted and queued retries dropped. */
  close(): void;
}

/** S3 event keys are form-encoded: a space is `+`, a slash stays. */
function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** The client address of a request, for `requestParameters.sourceIPAddress`. */
export function sourceIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/**
 * Queues the notifications of an operation a request completed (a no-op without notification targets).
 *
 * @example
 * ```ts
 * notify(ctx, bucket, 'ObjectCreated:Put', { key, size: result.size, etag: result.etag });
 * ```
 */
export function notify(
  ctx: RequestContext,
  bucket: ServedBucket,
  name: string,
  object: { key: string; size?: number; etag?: string },
): void {
  if (!ctx.notifier) return;
  ctx.notifier.emit(bucket, {
    name,
    ...object,
    principal: ctx.auth.accessKeyId ?? 'anonymous',
    sourceIp: sourceIp(ctx.req),
    requestId: String(ctx.res.getHeader('x-amz-request-id') ?? ''),
  });
}

/**
 * A notifier for a gateway.
 *
 * @example
 * ```ts
 * const notifier = createNotifier({ targets: { 'arn:aws:sqs:us-east-1:1:lake': 'http://127.0.0.1:8080/events' }, region: 'us-east-1' });
 * ```
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const ttl = options.configTtlMs ?? 5_000;
  const attempts = options.attempts ?? 12;
  const retryMs = options.retryMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const rules = new Map<string, { rules: Promise<NotificationRule[]>; at: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<AbortController>();
  let queued = 0;
  let closed = false;
  let sequence = 0;

  function rulesOf(bucket: ServedBucket): Promise<NotificationRule[]> {
    const cached = rules.get(bucket.name);
    if (cached && Date.now() - cached.at < ttl) return cached.rules;
    const read = readNotificationRules(bucket.port);
    rules.set(bucket.name, { rules: read, at: Date.now() });
    read.catch(() => rules.delete(bucket.name));
    return read;
  }

  function deliver(url: string, body: string, what: string, attempt = 1): void {
    if (closed) return;
    queued++;
    const controller = new AbortController();
    running.add(controller);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    timer.unref();
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: controller.signal,
    })
      .then(async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (closed) return;
          const reason = err instanceof Error ? err.message : String(err);
          if (attempt >= attempts) {
            log('warn', 'gateway', `gave up notifying ${url} of ${what} after ${attempt} attempts`, {
              reason,
            });
            return;
          }
          const delay = Math.min(30_000, retryMs * 2 ** (attempt - 1));
          queued++;
          const retry = setTimeout(() => {
            timers.delete(retry);
            queued--;
            deliver(url, body, what, attempt + 1);
          }, delay);
          retry.unref();
          timers.add(retry);
        },
      )
      .finally(() => {
        clearTimeout(timer);
        running.delete(controller);
        queued--;
      });
  }

  function record(bucket: string, rule: NotificationRule, event: ObjectEvent) {
    const seq = (Date.now() * 256 + (sequence++ % 256)).toString(16).toUpperCase().padStart(16, '0');
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: options.region,
      eventTime: new Date().toISOString(),
      eventName: event.name,
      userIdentity: { principalId: event.principal },
      requestParameters: { sourceIPAddress: event.sourceIp },
      responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': event.requestId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: rule.id,
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: event.principal },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: eventKey(event.key),
          ...(event.size === undefined ? {} : { size: event.size }),
          ...(event.etag === undefined ? {} : { eTag: event.etag }),
          sequencer: seq,
        },
      },
    };
  }

  return {
    emit(bucket, event) {
      if (closed || event.key.startsWith('.bucketkit-gateway/')) return;
      rulesOf(bucket).then(
        (list) => {
          for (const rule of list) {
            const url = options.targets[rule.arn];
            if (url === undefined || !ruleMatches(rule, event.name, event.key)) continue;
            const body = JSON.stringify({ Records: [record(bucket.name, rule, event)] });
            deliver(url, body, `${event.name} ${bucket.name}/${event.key}`);
          }
        },
        (err: unknown) =>
          log('warn', 'gateway', `could not read the notification rules of ${bucket.name}`, { error: err }),
      );
    },
    configured(bucket, list) {
      rules.set(bucket, { rules: Promise.resolve(list), at: Date.now() });
      for (const url of new Set(list.map((r) => options.targets[r.arn]).filter((u) => u !== undefined))) {
        const body = JSON.stringify({
          Service: 'Amazon S3',
          Event: 's3:TestEvent',
          Time: new Date().toISOString(),
          Bucket: bucket,
          RequestId: `test-${sequence++}`,
          HostId: 'bucketkit',
        });
        deliver(url, body, `s3:TestEvent ${bucket}`);
      }
    },
    pending: () => queued,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const controller of running) controller.abort();
    },
  };
}
