/**
 * The counters plugin (s3db's EventualConsistencyPlugin): `add`, `sub` and `set` on numeric fields are
 * transactions, one create-only object each (`plugin=counters/<resource>/<id>/tx/<key>`), so writers on
 * any number of processes never contend. `consolidate` folds them into the record: it applies the
 * transactions it lists to a state object by compare-and-swap (which also keeps the keys it applied,
 * so none is applied twice whatever crashes), writes the totals into the record, then removes them.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { Database } from '../database.js';
import type { Plugin } from '../plugin.js';
import { backoff } from '../retry.js';
import { changeKey } from './replicator-log.js';

export interface CountersOptions {
  /** The counted fields, by resource: `{ accounts: ['balance', 'visits'] }` (number or integer fields). */
  fields: Readonly<Record<string, readonly string[]>>;
  /** Compare-and-swap attempts of a consolidation (default 20). */
  retries?: number;
}

/** One transaction. */
export interface CounterTransaction {
  field: string;
  op: 'add' | 'set';
  amount: number;
  at: string;
}

interface State {
  values: Record<string, number>;
  /** Transactions applied and not yet removed. */
  applied: string[];
}

export interface CountersPlugin extends Plugin {
  /** Adds `amount` to `field` (a transaction; the record changes when consolidated). */
  add(resource: string, id: string, field: string, amount: number): Promise<void>;
  /** Subtracts `amount`. */
  sub(resource: string, id: string, field: string, amount: number): Promise<void>;
  /** Sets `field` to `amount`; transactions written after it add to it. */
  set(resource: string, id: string, field: string, amount: number): Promise<void>;
  /** The exact current values: the consolidated ones plus the transactions not yet folded in. */
  values(resource: string, id: string): Promise<Record<string, number>>;
  /** Folds the pending transactions into the record; resolves with the record's counted values. */
  consolidate(resource: string, id: string): Promise<Record<string, number>>;
}

const ROOT = 'plugin=counters/';

/**
 * Creates the counters plugin.
 *
 * @example
 * ```ts
 * const counts = counters({ fields: { posts: ['likes'] } });
 * const db = await new Database({ connectionString: 'file://./data', plugins: [counts] }).connect();
 * await counts.add('posts', postId, 'likes', 1); // from any number of processes at once
 * await counts.consolidate('posts', postId); // the record's `likes` is now exact
 * ```
 */
export function counters(options: CountersOptions): CountersPlugin {
  let database: Database | undefined;
  const port = (): StoragePort => {
    if (!database)
      throw new TypeError('the counters plugin is not set up; add it to a connected database first');
    return database.port;
  };
  const check = (resource: string, id: string, field: string, amount: number) => {
    if (!options.fields[resource]?.includes(field)) {
      throw bkError(
        'InvalidArgument',
        `"${field}" of "${resource}" is not a counter; name it in counters({ fields })`,
        {
          details: { resource, field },
        },
      );
    }
    if (!Number.isFinite(amount))
      throw bkError('InvalidArgument', `the amount must be a finite number (got ${amount})`);
    if (id.includes('/')) throw bkError('InvalidArgument', `record ids have no "/" (got "${id}")`);
  };
  const base = (resource: string, id: string) => `${ROOT}${resource}/${id}/`;

  const write = async (resource: string, id: string, field: string, op: 'add' | 'set', amount: number) => {
    check(resource, id, field, amount);
    const tx: CounterTransaction = { field, op, amount, at: new Date().toISOString() };
    await port().put(`${base(resource, id)}tx/${changeKey()}`, JSON.stringify(tx), {
      ...(database!.guarantees.conditionalWrites ? { ifNoneMatch: '*' as const } : {}),
      contentType: 'application/json',
    });
  };

  const pending = async (resource: string, id: string) => {
    const prefix = `${base(resource, id)}tx/`;
    const keys: string[] = [];
    for await (const entry of port().list({ prefix })) {
      if (entry.type === 'object') keys.push(entry.key.slice(prefix.length));
    }
    const txs = await Promise.all(
      keys.map(async (key) => {
        try {
          return { key, tx: JSON.parse(await (await port().get(prefix + key)).text()) as CounterTransaction };
        } catch (err) {
          if (BucketkitError.is(err, 'NotFound')) return undefined; // removed by a consolidation
          throw err;
        }
      }),
    );
    return txs.filter((t) => t !== undefined);
  };

  /** The state; before the first consolidation, the record's own values. */
  const readState = async (resource: string, id: string): Promise<{ state: State; etag?: string }> => {
    try {
      const result = await port().get(`${base(resource, id)}state.json`);
      return { state: JSON.parse(await result.text()) as State, etag: result.etag };
    } catch (err) {
      if (!BucketkitError.is(err, 'NotFound')) throw err;
    }
    const record = await database!.resource(resource).get(id);
    const values: Record<string, number> = {};
    for (const field of options.fields[resource] ?? []) {
      if (typeof record[field] === 'number') values[field] = record[field];
    }
    return { state: { values, applied: [] } };
  };
  const writeState = async (resource: string, id: string, state: State, etag: string | undefined) => {
    const conditional = database!.guarantees.conditionalWrites;
    await port().put(`${base(resource, id)}state.json`, JSON.stringify(state), {
      contentType: 'application/json',
      ...(conditional ? (etag ? { ifMatch: etag } : { ifNoneMatch: '*' as const }) : {}),
    });
  };

  /** Applies `txs` (in key order) that the state has not applied; the keys it applied stay in `applied`. */
  const fold = (state: State, txs: { key: string; tx: CounterTransaction }[]) => {
    const applied = new Set(state.applied);
    const values = { ...state.values };
    const present = new Set(txs.map((t) => t.key));
    for (const { key, tx } of [...txs].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      if (applied.has(key)) continue;
      values[tx.field] = tx.op === 'set' ? tx.amount : (values[tx.field] ?? 0) + tx.amount;
      applied.add(key);
    }
    // an applied key no longer listed was removed: forget it
    return { values, applied: [...applied].filter((key) => present.has(key)) };
  };

  return {
    name: 'counters',
    setup(db: Database) {
      database = db;
    },
    teardown() {
      database = undefined;
    },
    add: (resource, id, field, amount) => write(resource, id, field, 'add', amount),
    sub: (resource, id, field, amount) => write(resource, id, field, 'add', -amount),
    set: (resource, id, field, amount) => write(resource, id, field, 'set', amount),
    async values(resource, id) {
      const { state } = await readState(resource, id);
      return fold(state, await pending(resource, id)).values;
    },
    async consolidate(resource, id) {
      port();
      const records = database!.resource(resource);
      const retries = options.retries ?? 20;
      let state: State | undefined;
      for (let attempt = 0; ; attempt++) {
        // the state first, then the listing: a key the state forgot was removed before it was written,
        // so a listing made after reading it cannot show that key again
        const read = await readState(resource, id);
        const txs = await pending(resource, id);
        const next = fold(read.state, txs);
        try {
          if (txs.length > 0 || !read.etag) await writeState(resource, id, next, read.etag);
          state = next;
          break;
        } catch (err) {
          if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= retries) throw err;
          await backoff(attempt);
        }
      }
      // the record gets the state's values as they are when it is written (a later consolidation's, if
      // one overtook this one: the compare-and-swap of update re-reads them)
      const fields = options.fields[resource] ?? [];
      const written = await records.update(id, async () => {
        const { state: latest } = await readState(resource, id);
        return Object.fromEntries(fields.filter((f) => f in latest.values).map((f) => [f, latest.values[f]]));
      });
      if (state.applied.length > 0) {
        await port().deleteMany(state.applied.map((key) => `${base(resource, id)}tx/${key}`));
      }
      return Object.fromEntries(fields.map((f) => [f, written[f] as number]));
    },
  };
}
