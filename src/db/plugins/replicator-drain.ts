/**
 * The replicator's drain: takes the oldest logged changes into a batch (finishing one a crash left
 * open first), resolves each change's record as the source holds it, and gives the batch to every
 * target not yet done with it, with retries; what keeps failing is logged in the failure resource.
 */
import { BucketkitError } from '../../errors.js';
import { deserializeAttributes } from '../attributes.js';
import type { Database } from '../database.js';
import type { Resource } from '../resource.js';
import { backoff } from '../retry.js';
import { compileSchema, type FieldSpec } from '../schema/index.js';
import type { Batch, Change, ChangeLog } from './replicator-log.js';
import type { ReplicationSource, ReplicationTarget } from './replicator-targets.js';

/** What one `drain()` did. */
export interface DrainReport {
  batches: number;
  changes: number;
  /** Changes a target gave up on (see `failures()`). */
  failed: number;
  /** Pending changes still held back (writes in flight). */
  waiting: number;
}

/** What a drain works with. */
export interface DrainSettings {
  log: ChangeLog;
  database: Database;
  failures: Resource;
  targets: readonly ReplicationTarget[];
  batchSize: number;
  attempts: number;
  retryDelayMs: number;
  orphanAfterMs: number;
  /** Compiled fields by `resource@version`, kept between drains. */
  fields: Map<string, readonly FieldSpec[]>;
}

/** Drains until the log is empty or holds only writes in flight. */
export function drainLog(settings: DrainSettings): Promise<DrainReport> {
  const source = (): ReplicationSource => ({
    database: settings.database,
    fields(resource) {
      const entry = settings.database.catalogSnapshot.resources[resource];
      if (!entry) return [];
      const version = `${resource}@${entry.current}`;
      let known = settings.fields.get(version);
      if (!known) {
        known = compileSchema(deserializeAttributes(entry.versions[entry.current]!.attributes)).fields;
        settings.fields.set(version, known);
      }
      return known;
    },
  });

  const current = async (resource: string, id: string) => {
    try {
      return withoutId(await settings.database.resource(resource).get(id));
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return null;
      throw err;
    }
  };

  /** The next batch: the oldest changes up to the first write still in flight, each resolved. */
  const takeBatch = async (): Promise<{ changes: Change[]; waiting: number }> => {
    const keys = await settings.log.oldest(settings.batchSize);
    const logged = await Promise.all(keys.map((key) => settings.log.read(key)));
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
      if (entry.pending && Date.now() - Date.parse(entry.at) < settings.orphanAfterMs) {
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
        if (attempt < settings.attempts) {
          await backoff(attempt, undefined, settings.retryDelayMs);
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
      await settings.failures
        .insert({
          id: `${target.name}.${change.key}`.slice(0, 200),
          target: target.name,
          change: change.key,
          resource: change.resource,
          recordId: change.id,
          op: change.op,
          error: error instanceof Error ? error.message : String(error),
          attempts: settings.attempts + 1,
          at: new Date().toISOString(),
        })
        .catch((err) => {
          if (!BucketkitError.is(err, 'PreconditionFailed')) throw err; // logged by a drain that crashed
        });
    }
    return failed;
  };

  return (async (): Promise<DrainReport> => {
    const report: DrainReport = { batches: 0, changes: 0, failed: 0, waiting: 0 };
    for (;;) {
      let open = await settings.log.openBatch();
      if (!open) {
        const { changes, waiting } = await takeBatch();
        report.waiting = waiting;
        if (changes.length === 0) return report;
        const batch: Batch = { id: changes[0]!.key, changes, done: [] };
        open = { batch, etag: await settings.log.startBatch(batch) };
      }
      const { batch } = open;
      let etag = open.etag;
      for (const target of settings.targets) {
        if (batch.done.includes(target.name)) continue;
        report.failed += await applyTo(target, batch);
        batch.done.push(target.name);
        etag = await settings.log.saveBatch(batch, etag);
      }
      await settings.log.finishBatch(batch);
      report.batches++;
      report.changes += batch.changes.length;
      if (report.waiting > 0) return report;
    }
  })();
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

export function withoutId(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = record;
  return rest;
}
