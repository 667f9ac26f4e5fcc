/**
 * The replicator plugin: inserts, updates and deletes pushed to targets (another Database, JSON lines
 * on a port, PostgreSQL). Every write logs a change in the bucket before it happens and confirms it
 * after, so a crash loses nothing; `drain()` pushes the logged changes in batches, retrying each target,
 * recording what still fails in a plugin resource, and finishing a batch a crash interrupted.
 */
import type { Database } from '../database.js';
import type { Middleware, MiddlewareMethod } from '../hooks.js';
import { type IdGenerator, randomId } from '../ids.js';
import type { Plugin } from '../plugin.js';
import type { Resource } from '../resource.js';
import type { FieldSpec } from '../schema/index.js';
import { type DrainReport, drainLog, withoutId } from './replicator-drain.js';
import { ChangeLog, type ChangeOp, changeKey, type LoggedChange } from './replicator-log.js';
import type { ReplicationTarget } from './replicator-targets.js';

export type { DrainReport } from './replicator-drain.js';

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

  const drainOnce = () =>
    drainLog({
      log: log!,
      database: database!,
      failures: failureLog!,
      targets: options.targets,
      batchSize,
      attempts,
      retryDelayMs: options.retryDelayMs ?? 200,
      orphanAfterMs: orphanAfter,
      fields,
    });

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
