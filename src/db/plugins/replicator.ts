/**
 * The replicator plugin: inserts, updates and deletes pushed to targets (another Database, JSON lines
 * on a port, PostgreSQL). Every write logs a change in the bucket before it happens and confirms it
 * after, so a crash loses nothing; `drain()` pushes the logged changes in batches, retrying each target,
 * recording what still fails in a plugin resource, and finishing a batch a crash interrupted.
 */
import { BucketkitError } from '../../errors.js';
import { deserializeAttributes } from '../attributes.js';
import type { Database } from '../database.js';
import type { Middleware, MiddlewareMethod } from '../hooks.js';
import { type IdGenerator, randomId } from '../ids.js';
import type { Plugin } from '../plugin.js';
import type { Resource } from '../resource.js';
import { backoff } from '../retry.js';
import { compileSchema, type FieldSpec } from '../schema/index.js';
import {
  type Batch,
  type Change,
  ChangeLog,
  type ChangeOp,
  changeKey,
  type LoggedChange,
} from './replicator-log.js';
import type { ReplicationSource, ReplicationTarget } from './replicator-targets.js';

export interface ReplicatorOptions {
  targets: readonly ReplicationTarget[];
  /** Only these resources (default: all but the plugin's own). */
  resources?: readonly string[];
  /** Names the log (`plugin=replicator/<name>/`) and the failure resource (`<name>-failures`). */
  name?: string;
  /** Changes per batch (default 100). */
  batchSize?: number;
  /** Attempts per target and batch before its changes are logged as failures (default 4). */
  attempts?: number;
  /** First retry delay in ms, doubled each attempt, with jitter (default 200). */
  retryDelayMs?: number;
  /**
   * A pending change older than this is taken for a crashed writer's and resolved from the source
   * (default 60,000 ms); younger ones hold the drain back, to keep changes in order.
   */
  orphanAfterMs?: number;
  /** Drain on a timer every this many ms (default: only when `drain()` is called). */
  drainEveryMs?: number;
  /**
   * Makes ids for inserts given none: the replicator names a record before writing it, so such
   * inserts get theirs from here, not from the resource's `idGenerator` (default `randomId`).
   */
  idGenerator?: IdGenerator;
}

/** What one `drain()` did. */
export interface DrainReport {
  batches: number;
  changes: number;
  /** Changes a target gave up on (see `failures()`). */
  failed: number;
  /** Pending changes still held back (writes in flight). */
  waiting: number;
}

export interface ReplicatorPlugin extends Plugin {
  /** Pushes every logged change to every target; resolves when the log is empty or only holds writes in flight. */
  drain(): Promise<DrainReport>;
  /** The failure log: `{ target, change, resource, recordId, op, error, attempts, at }` records. */
  failures(): Resource;
}

const FAILURES = {
  target: 'string|required',
  change: 'string|required',
  resource: 'string|required',
  recordId: 'string|required',
  op: 'string|required',
  error: 'string',
  attempts: 'number',
  at: 'datetime|required',
} as const;

const METHODS: Record<string, ChangeOp> = {
  insert: 'insert',
  update: 'update',
  replace: 'update',
  upsert: 'update',
  delete: 'delete',
};
/** Marks the options upsert passes to its inner update, which must not log a second change. */
const INNER = Symbol('replicator.inner');

/**
 * Creates the replicator.
 *
 * @example
 * ```ts
 * import { Database, replicator, jsonLinesTarget, postgresTarget } from 'bucketkit/db';
 * const rep = replicator({
 *   targets: [postgresTarget({ connectionString: process.env.PG_URL }), jsonLinesTarget(archivePort)],
 *   drainEveryMs: 1000,
 * });
 * const db = await new Database({ connectionString: 'file://./data', plugins: [rep] }).connect();
 * await rep.drain(); // or let the timer do it
 * ```
 */
export function replicator(options: ReplicatorOptions): ReplicatorPlugin {
  const name = options.name ?? 'replicator';
  const failureName = `${name}-failures`;
  const newId = options.idGenerator ?? randomId;
  const batchSize = options.batchSize ?? 100;
  const attempts = options.attempts ?? 4;
  const orphanAfter = options.orphanAfterMs ?? 60_000;
  const removers: (() => void)[] = [];
  const fields = new Map<string, readonly FieldSpec[]>();
  let database: Database | undefined;
  let log: ChangeLog | undefined;
  let failureLog: Resource | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let draining: Promise<DrainReport> | undefined;

  const replicated = (resource: string) =>
    resource !== failureName && (!options.resources || options.resources.includes(resource));

  const logged: Middleware = async (ctx, next) => {
    const op = METHODS[ctx.method]!;
    const args = ctx.args;
    if (!log || !replicated(ctx.resource)) return next();
    if (ctx.method === 'update' && (args[2] as Record<symbol, unknown> | undefined)?.[INNER]) return next();
    let id: string;
    if (ctx.method === 'insert' || ctx.method === 'upsert') {
      const input = args[0] as Record<string, unknown>;
      if (typeof input.id !== 'string') args[0] = { ...input, id: await newId() };
      id = (args[0] as { id: string }).id;
      if (ctx.method === 'upsert') args[1] = { ...(args[1] as object), [INNER]: true };
    } else id = args[0] as string;
    const key = changeKey();
    const change: LoggedChange = { resource: ctx.resource, id, op, at: new Date().toISOString() };
    await log.put(key, { ...change, pending: true });
    let result: unknown;
    try {
      result = await next();
    } catch (err) {
      await log.remove(key).catch(() => {}); // a pending change left behind is resolved later anyway
      throw err;
    }
    if (op === 'delete' && result === false) await log.remove(key);
    else {
      const record = op === 'delete' ? undefined : withoutId(result as Record<string, unknown>);
      await log.put(key, record ? { ...change, record } : change);
    }
    return result;
  };

  const source = (): ReplicationSource => ({
    database: database!,
    fields(resource) {
      const entry = database!.catalogSnapshot.resources[resource];
      if (!entry) return [];
      const version = `${resource}@${entry.current}`;
      let known = fields.get(version);
      if (!known) {
        known = compileSchema(deserializeAttributes(entry.versions[entry.current]!.attributes)).fields;
        fields.set(version, known);
      }
      return known;
    },
  });

  const current = async (resource: string, id: string) => {
    try {
      return withoutId(await database!.resource(resource).get(id));
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return null;
      throw err;
    }
  };

  /** The next batch: the oldest changes up to the first write still in flight, each resolved. */
  const takeBatch = async (): Promise<{ changes: Change[]; waiting: number }> => {
    const keys = await log!.oldest(batchSize);
    const logged = await Promise.all(keys.map((key) => log!.read(key)));
    const changes: Change[] = [];
    const states = new Map<string, Promise<Record<string, unknown> | null>>();
    const stateOf = (resource: string, id: string) => {
      const at = `${resource}\u0000${id}`;
      let state = states.get(at);
      if (!state) {
        state = current(resource, id);
        states.set(at, state);
      }
      return state;
    };
    for (const [i, entry] of logged.entries()) {
      if (!entry) continue;
      if (entry.pending && Date.now() - Date.parse(entry.at) < orphanAfter) {
        return { changes: await resolved(changes, stateOf), waiting: keys.length - i };
      }
      changes.push({ key: keys[i]!, ...entry, current: null });
    }
    return { changes: await resolved(changes, stateOf), waiting: 0 };
  };

  const applyTo = async (target: ReplicationTarget, batch: Batch) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await target.apply(batch.changes, batch.id, source());
        return 0;
      } catch (err) {
        if (attempt < attempts) {
          await backoff(attempt, undefined, options.retryDelayMs ?? 200);
          continue;
        }
        return logFailures(target, batch, err);
      }
    }
  };

  /** After the batch failed: each change alone, once; those that still fail go to the failure log. */
  const logFailures = async (target: ReplicationTarget, batch: Batch, cause: unknown) => {
    let failed = 0;
    for (const change of batch.changes) {
      let error = cause;
      try {
        await target.apply([change], `${batch.id}-${change.key}`, source());
        continue;
      } catch (err) {
        error = err;
      }
      failed++;
      await failureLog!
        .insert({
          id: `${target.name}.${change.key}`.slice(0, 200),
          target: target.name,
          change: change.key,
          resource: change.resource,
          recordId: change.id,
          op: change.op,
          error: error instanceof Error ? error.message : String(error),
          attempts: attempts + 1,
          at: new Date().toISOString(),
        })
        .catch((err) => {
          if (!BucketkitError.is(err, 'PreconditionFailed')) throw err; // logged by a drain that crashed
        });
    }
    return failed;
  };

  const drainOnce = async (): Promise<DrainReport> => {
    const report: DrainReport = { batches: 0, changes: 0, failed: 0, waiting: 0 };
    for (;;) {
      let open = await log!.openBatch();
      if (!open) {
        const { changes, waiting } = await takeBatch();
        report.waiting = waiting;
        if (changes.length === 0) return report;
        const batch: Batch = { id: changes[0]!.key, changes, done: [] };
        open = { batch, etag: await log!.startBatch(batch) };
      }
      const { batch } = open;
      let etag = open.etag;
      for (const target of options.targets) {
        if (batch.done.includes(target.name)) continue;
        report.failed += await applyTo(target, batch);
        batch.done.push(target.name);
        etag = await log!.saveBatch(batch, etag);
      }
      await log!.finishBatch(batch);
      report.batches++;
      report.changes += batch.changes.length;
      if (report.waiting > 0) return report;
    }
  };

  return {
    name: 'replicator',
    async setup(db: Database) {
      database = db;
      log = new ChangeLog(db.port, `plugin=replicator/${name}/`, db.guarantees.conditionalWrites);
      failureLog = (await db.createResource({
        name: failureName,
        attributes: FAILURES,
        partitions: { byTarget: ['target'] },
      })) as unknown as Resource;
      for (const method of Object.keys(METHODS) as MiddlewareMethod[]) {
        removers.push(db.useMiddleware(method, logged));
      }
      if (options.drainEveryMs) {
        timer = setInterval(() => {
          if (!draining) void this.drain().catch(() => {}); // the next tick tries again
        }, options.drainEveryMs);
        timer.unref?.();
      }
    },
    async teardown() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const remove of removers.splice(0)) remove();
      await draining?.catch(() => {});
      for (const target of options.targets) await target.close?.();
      database = undefined;
      log = undefined;
    },
    drain() {
      if (!log) throw new TypeError('the replicator is not set up; add it to a connected database first');
      if (!draining) {
        draining = drainOnce().finally(() => {
          draining = undefined;
        });
      }
      return draining;
    },
    failures() {
      if (!failureLog)
        throw new TypeError('the replicator is not set up; add it to a connected database first');
      return failureLog;
    },
  };
}

/** Fills in each change's `current`; drops pending inserts that never happened. */
async function resolved(
  changes: Change[],
  stateOf: (resource: string, id: string) => Promise<Record<string, unknown> | null>,
): Promise<Change[]> {
  const states = await Promise.all(changes.map((change) => stateOf(change.resource, change.id)));
  const out: Change[] = [];
  for (const [i, change] of changes.entries()) {
    const state = states[i]!;
    const { pending: _pending, ...rest } = change as Change & { pending?: true };
    if (!('pending' in change)) {
      out.push({ ...rest, current: state });
      continue;
    }
    // a crashed write: what it did is what the source holds now
    if (!state && change.op === 'insert') continue;
    out.push({
      ...rest,
      op: state ? change.op : 'delete',
      ...(state ? { record: state } : {}),
      current: state,
    });
  }
  return out;
}

function withoutId(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = record;
  return rest;
}
