/**
 * The storage event endpoint: a node `http` handler that takes the event bodies LakeRunner accepts
 * (see `events.ts`) and ingests each created object with `lake.ingest(key)`. Ingest is idempotent, so a
 * notification delivered twice, or to several servers, adds the object's rows once; here, the same key
 * notified twice at once is also ingested one at a time, so the second finds the first's marker.
 *
 * Answers (JSON): 200 `{ ingested, skipped, failed }` when every object was handled — `failed` lists
 * objects that can never be ingested (corrupt, unsupported), so a sender must not retry them; 503 when
 * some ingest failed in a way a retry may fix (the sender retries the whole body, which is safe); 400 for a
 * body that is not a storage event; 413 past `maxBodyBytes`; Event Grid's validation answered with its code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BucketkitError } from '../../errors.js';
import type { Lake } from '../index.js';
import { readBody } from './body.js';
import { parseStorageEvents, type StorageObjectEvent } from './events.js';
import { errorBody, type LakeRequestHandler, sendJson } from './server.js';

export interface LakeEventHandlerOptions {
  /** Bucket names whose events are ingested; events for others are skipped (default: any bucket). */
  buckets?: readonly string[];
  /** Largest body accepted (default 1 MiB, as LakeRunner). */
  maxBodyBytes?: number;
  /** Called once per announced object with what became of it (for logs and metrics). */
  onEvent?: (outcome: EventOutcome) => void;
}

/** What became of one announced object. */
export type EventOutcome =
  | {
      status: 'ingested';
      event: StorageObjectEvent;
      rows: number;
      segments: number;
      alreadyIngested: boolean;
    }
  | { status: 'skipped'; event: StorageObjectEvent; reason: string }
  | { status: 'failed'; event: StorageObjectEvent; code: string; message: string; retryable: boolean };

/** Codes that a retry of the same object cannot change. */
const PERMANENT = new Set(['Corrupt', 'Unsupported', 'InvalidArgument', 'InvalidKey']);

/**
 * A request handler that ingests the objects storage events announce.
 *
 * @example
 * ```ts
 * const lake = openLake(connect('s3://raw'), { orgs: { 'logs-raw/': 'acme' } });
 * http.createServer(createLakeEventHandler(lake, { buckets: ['raw'] })).listen(8080);
 * ```
 */
export function createLakeEventHandler(
  lake: Pick<Lake, 'ingest'>,
  options: LakeEventHandlerOptions = {},
): LakeRequestHandler {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const buckets = options.buckets ? new Set(options.buckets) : undefined;
  const running = new Map<string, Promise<unknown>>();

  /** One ingest per key at a time in this process; a later call waits, then finds the marker. */
  function ingestOnce(key: string) {
    const before = running.get(key) ?? Promise.resolve();
    const run = before.then(
      () => lake.ingest(key),
      () => lake.ingest(key),
    );
    const settled = run.catch(() => {});
    running.set(key, settled);
    void settled.then(() => {
      if (running.get(key) === settled) running.delete(key);
    });
    return run;
  }

  async function handle(event: StorageObjectEvent): Promise<EventOutcome> {
    if (!event.created)
      return { status: 'skipped', event, reason: `${event.name} is not an object creation` };
    if (buckets && !buckets.has(event.bucket)) {
      return { status: 'skipped', event, reason: `bucket ${event.bucket} is not served by this lake` };
    }
    if (event.key.startsWith('db/') || event.key.endsWith('/')) {
      return { status: 'skipped', event, reason: 'cooked lake output or a folder' };
    }
    try {
      const result = await ingestOnce(event.key);
      return {
        status: 'ingested',
        event,
        rows: result.rows,
        segments: result.segments.length,
        alreadyIngested: result.alreadyIngested,
      };
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) {
        return { status: 'skipped', event, reason: 'the object no longer exists' };
      }
      const code = BucketkitError.is(err) ? err.code : 'Internal';
      const message = err instanceof Error ? err.message : String(err);
      return { status: 'failed', event, code, message, retryable: !PERMANENT.has(code) };
    }
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    // Event Grid's CloudEvents schema validates a webhook with an OPTIONS request
    if (req.method === 'OPTIONS') {
      req.resume();
      const origin = req.headers['webhook-request-origin'];
      if (typeof origin !== 'string') {
        sendJson(res, 400, errorBody('InvalidArgument', 'OPTIONS is only the CloudEvents webhook handshake'));
        return;
      }
      res.writeHead(200, { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST' });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      sendJson(res, 405, errorBody('MethodNotAllowed', 'POST storage events here'), {
        allow: 'POST, OPTIONS',
      });
      return;
    }
    let parsed: ReturnType<typeof parseStorageEvents>;
    try {
      parsed = parseStorageEvents(await readBody(req, limit));
    } catch (err) {
      if (!BucketkitError.is(err)) throw err;
      const status = typeof err.details.status === 'number' ? err.details.status : 400;
      sendJson(res, status, errorBody(err.code, err.message.replace(/^\w+: /, '')));
      return;
    }
    if (parsed.kind === 'validation') {
      sendJson(res, 200, { validationResponse: parsed.validationCode });
      return;
    }
    if (parsed.kind === 'test') {
      sendJson(res, 200, { test: true, ingested: [], skipped: [], failed: [] });
      return;
    }
    const outcomes: EventOutcome[] = [];
    for (const event of parsed.events) {
      const outcome = await handle(event);
      options.onEvent?.(outcome);
      outcomes.push(outcome);
    }
    const pick = <S extends EventOutcome['status']>(status: S) =>
      outcomes.filter((o): o is Extract<EventOutcome, { status: S }> => o.status === status);
    const body = {
      ingested: pick('ingested').map((o) => ({
        bucket: o.event.bucket,
        key: o.event.key,
        rows: o.rows,
        segments: o.segments,
        alreadyIngested: o.alreadyIngested,
      })),
      skipped: [
        ...pick('skipped').map((o) => ({ bucket: o.event.bucket, key: o.event.key, reason: o.reason })),
        ...parsed.invalid.map((reason) => ({ reason })),
      ],
      failed: pick('failed').map((o) => ({
        bucket: o.event.bucket,
        key: o.event.key,
        code: o.code,
        message: o.message,
        retryable: o.retryable,
      })),
    };
    sendJson(res, body.failed.some((f) => f.retryable) ? 503 : 200, body);
  };
}
