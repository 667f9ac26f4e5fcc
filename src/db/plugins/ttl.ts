/**
 * The ttl plugin: records expire at a time from a field of theirs or a time-to-live after their last
 * write, and `sweep()` deletes the expired ones (a paranoid resource moves them to its trash). Each
 * record with an expiry has an empty entry object in its *cohort*, the slice of time it expires in
 * (`plugin=ttl/<resource>/<cohort start>/<id>`); cohorts sort by time, so a sweep lists only the
 * entries that are due and stops at the first that is not.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { Database } from '../database.js';
import { recordKey } from '../keys.js';
import type { Plugin } from '../plugin.js';

/** How one resource's records expire. */
export interface TtlRule {
  /** A field holding the expiry (an ISO datetime or epoch milliseconds); records without it use `ttlMs`. */
  field?: string;
  /** Milliseconds after each insert or update (for records without `field`). */
  ttlMs?: number;
}

export interface TtlOptions {
  /** The rule of each resource: `{ sessions: { ttlMs: 3_600_000 }, invites: { field: 'expiresAt' } }`. */
  resources: Readonly<Record<string, TtlRule>>;
  /** The width of a cohort in ms (default 60,000): a sweep reads at most one cohort's worth not yet due. */
  cohortMs?: number;
  /** Sweep on a timer every this many ms (default: only when `sweep()` is called). */
  sweepEveryMs?: number;
  /** Entries read per listing request (default 1000). */
  pageSize?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

/** What one sweep did, per resource. */
export interface SweepReport {
  /** Records deleted (or moved to the trash). */
  expired: number;
  /** Entries whose record had gone or now expires later (moved to its new cohort). */
  stale: number;
}

export interface TtlPlugin extends Plugin {
  /** Deletes every record whose expiry has passed; resolves with counts per resource. */
  sweep(): Promise<Record<string, SweepReport>>;
  /** When a record expires (epoch ms), by the rule, or undefined when it does not. */
  expiryOf(resource: string, record: Record<string, unknown>): number | undefined;
}

const ROOT = 'plugin=ttl/';

/**
 * Creates the ttl plugin.
 *
 * @example
 * ```ts
 * const expiry = ttl({ resources: { sessions: { ttlMs: 30 * 60_000 }, invites: { field: 'expiresAt' } }, sweepEveryMs: 60_000 });
 * const db = await new Database({ connectionString: 'file://./data', plugins: [expiry] }).connect();
 * await expiry.sweep(); // { sessions: { expired: 12, stale: 0 }, invites: { expired: 0, stale: 1 } }
 * ```
 */
export function ttl(options: TtlOptions): TtlPlugin {
  const cohortMs = options.cohortMs ?? 60_000;
  const now = options.now ?? Date.now;
  const removers: (() => void)[] = [];
  const sweeping = new Map<string, number>(); // `${resource}/${id}` → the sweep's time
  let database: Database | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<Record<string, SweepReport>> | undefined;
  for (const [resource, rule] of Object.entries(options.resources)) {
    if (rule.field === undefined && !(typeof rule.ttlMs === 'number' && rule.ttlMs > 0)) {
      throw bkError('InvalidArgument', `the ttl rule of "${resource}" needs a field or a positive ttlMs`);
    }
  }

  const expiryOf = (resource: string, record: Record<string, unknown>, writtenAt = now()) => {
    const rule = options.resources[resource];
    if (!rule) return undefined;
    const value = rule.field === undefined ? undefined : pathValue(record, rule.field);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
    if (rule.ttlMs === undefined) return undefined;
    // a resource with timestamps says when the record was last written
    const updated = typeof record.updatedAt === 'string' ? Date.parse(record.updatedAt) : Number.NaN;
    return (Number.isNaN(updated) ? writtenAt : updated) + rule.ttlMs;
  };
  const entryKey = (resource: string, expiry: number, id: string) =>
    `${ROOT}${resource}/${cohortOf(expiry)}/${id}`;
  const cohortOf = (expiry: number) =>
    String(Math.max(0, Math.floor(expiry / cohortMs) * cohortMs)).padStart(15, '0');

  const port = () => {
    if (!database) throw new TypeError('the ttl plugin is not set up; add it to a connected database first');
    return database.port;
  };
  /** The expiry of a stored record: its field, or the time of its last write plus ttlMs. */
  const storedExpiry = async (resource: string, id: string, record: Record<string, unknown>) => {
    const known = expiryOf(resource, record, Number.NaN);
    if (known === undefined || !Number.isNaN(known)) return known;
    const info = await port().head(recordKey(resource, id));
    return info.lastModified.getTime() + options.resources[resource]!.ttlMs!;
  };

  const index = async (
    resource: string,
    doc: Record<string, unknown>,
    previous?: Record<string, unknown>,
  ) => {
    const id = doc.id as string | undefined;
    if (!options.resources[resource] || id === undefined) return;
    const expiry = expiryOf(resource, doc);
    const key = expiry === undefined ? undefined : entryKey(resource, expiry, id);
    if (key) await port().put(key, '');
    const before = previous && previousKey(resource, previous, id);
    if (before && before !== key) await port().delete(before);
  };
  /** The cohort an earlier write put the record in, when its field says so (ttlMs cohorts are swept stale). */
  const previousKey = (resource: string, previous: Record<string, unknown>, id: string) => {
    const expiry = expiryOf(resource, previous, Number.NaN);
    return expiry === undefined || Number.isNaN(expiry) ? undefined : entryKey(resource, expiry, id);
  };

  const sweepResource = async (resource: string, at: number): Promise<SweepReport> => {
    const report: SweepReport = { expired: 0, stale: 0 };
    const prefix = `${ROOT}${resource}/`;
    const due: string[] = [];
    for await (const entry of port().list({ prefix, pageSize: options.pageSize ?? 1000 })) {
      if (entry.type !== 'object') continue;
      const rest = entry.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (Number(rest.slice(0, slash)) + cohortMs > at) break; // this cohort and all after it are not due
      due.push(entry.key);
    }
    const records = database!.resource(resource);
    for (const key of due) {
      const id = key.slice(key.indexOf('/', prefix.length) + 1);
      let record: Record<string, unknown>;
      try {
        record = await records.get(id);
      } catch (err) {
        if (!BucketkitError.is(err, 'NotFound')) throw err;
        await port().delete(key);
        report.stale++;
        continue;
      }
      const expiry = await storedExpiry(resource, id, record);
      if (expiry !== undefined && expiry <= at) {
        sweeping.set(`${resource}/${id}`, at);
        try {
          if (await records.delete(id)) report.expired++;
        } catch (err) {
          if (!BucketkitError.is(err, 'PreconditionFailed') || !err.details.ttlExtended) throw err;
          report.stale++; // extended while we swept: its new entry was written by that update
        } finally {
          sweeping.delete(`${resource}/${id}`);
        }
        await port().delete(key);
        continue;
      }
      const moved = expiry === undefined ? undefined : entryKey(resource, expiry, id);
      if (moved === key) continue;
      if (moved) await port().put(moved, '');
      await port().delete(key);
      report.stale++;
    }
    return report;
  };

  const sweepAll = async () => {
    const at = now();
    const reports: Record<string, SweepReport> = {};
    for (const resource of Object.keys(options.resources)) {
      if (!database!.resources().includes(resource)) await database!.refresh();
      if (!database!.resources().includes(resource)) continue;
      reports[resource] = await sweepResource(resource, at);
    }
    return reports;
  };

  return {
    name: 'ttl',
    setup(db: Database) {
      database = db;
      removers.push(
        db.addHook('afterInsert', async (doc, ctx) => {
          await index(ctx.resource, doc);
          return undefined;
        }),
        db.addHook('afterUpdate', async (doc, ctx) => {
          await index(ctx.resource, doc, ctx.previous);
          return undefined;
        }),
        db.addHook('beforeDelete', async (doc, ctx) => {
          const at = sweeping.get(`${ctx.resource}/${doc.id}`);
          if (at === undefined) return undefined;
          // the record as the delete found it: refuse when a write pushed its expiry past the sweep
          const expiry = await storedExpiry(ctx.resource, doc.id, doc);
          if (expiry === undefined || expiry > at) {
            throw bkError('PreconditionFailed', `"${doc.id}" of "${ctx.resource}" no longer expires`, {
              details: { ttlExtended: true },
            });
          }
          return undefined;
        }),
        db.addHook('afterDelete', async (doc, ctx) => {
          if (!options.resources[ctx.resource]) return undefined;
          const expiry = expiryOf(ctx.resource, doc, Number.NaN);
          if (expiry !== undefined && !Number.isNaN(expiry))
            await port().delete(entryKey(ctx.resource, expiry, doc.id));
          return undefined;
        }),
      );
      if (options.sweepEveryMs) {
        timer = setInterval(() => {
          if (!running) void this.sweep().catch(() => {}); // the next tick tries again
        }, options.sweepEveryMs);
        timer.unref?.();
      }
    },
    async teardown() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const remove of removers.splice(0)) remove();
      await running?.catch(() => {});
      database = undefined;
    },
    sweep() {
      port();
      running ??= sweepAll().finally(() => {
        running = undefined;
      });
      return running;
    },
    expiryOf: (resource, record) => expiryOf(resource, record),
  };
}

function pathValue(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
