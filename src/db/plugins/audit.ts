/**
 * The audit-log plugin: every insert, update and delete of every resource (but its own) becomes a
 * record of the `audit` resource: who, what, when, and the record before and after.
 */
import type { Database } from '../database.js';
import type { Plugin } from '../plugin.js';
import type { Resource } from '../resource.js';

export interface AuditOptions {
  /** The audit resource's name (default `audit`). */
  resource?: string;
  /** Who is acting, e.g. from an AsyncLocalStorage of the request; stored as `who`. */
  actor?: () => string | undefined;
  /** Resources not to audit (the audit resource itself never is). */
  exclude?: readonly string[];
}

const ATTRIBUTES = {
  resource: 'string|required',
  recordId: 'string|required',
  action: 'string|required',
  at: 'datetime|required',
  who: 'string',
  before: 'json',
  after: 'json',
} as const;

/** One audit record. */
export interface AuditEntry {
  id: string;
  resource: string;
  recordId: string;
  action: 'insert' | 'update' | 'delete';
  at: string;
  who?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Creates the audit plugin. Entries are partitioned by resource, so `audit.query({ resource: 'users' })`
 * reads only that resource's entries.
 *
 * @example
 * ```ts
 * const db = await new Database({ connectionString: 'memory://app', plugins: [auditLog({ actor: () => currentUser() })] }).connect();
 * await db.resource('audit').query({ resource: 'users', recordId: id });
 * ```
 */
export function auditLog(options: AuditOptions = {}): Plugin & { entries(): Resource } {
  const name = options.resource ?? 'audit';
  const excluded = new Set([name, ...(options.exclude ?? [])]);
  const removers: (() => void)[] = [];
  let audit: Resource | undefined;

  const record = async (
    action: AuditEntry['action'],
    resource: string,
    recordId: string | undefined,
    before: unknown,
    after: unknown,
  ) => {
    if (excluded.has(resource) || !audit || recordId === undefined) return;
    await audit.insert({
      resource,
      recordId,
      action,
      at: new Date().toISOString(),
      who: options.actor?.() ?? null,
      before: before ?? null,
      after: after ?? null,
    });
  };

  return {
    name: 'audit-log',
    async setup(db: Database) {
      audit = (await db.createResource({
        name,
        attributes: ATTRIBUTES,
        partitions: { byResource: ['resource'] },
      })) as unknown as Resource;
      removers.push(
        db.addHook('afterInsert', async (doc, ctx) => {
          await record('insert', ctx.resource, doc.id, null, doc);
          return undefined;
        }),
        db.addHook('afterUpdate', async (doc, ctx) => {
          await record('update', ctx.resource, doc.id, ctx.previous, doc);
          return undefined;
        }),
        db.addHook('afterDelete', async (doc, ctx) => {
          await record('delete', ctx.resource, doc.id, doc, null);
          return undefined;
        }),
      );
    },
    teardown() {
      for (const remove of removers.splice(0)) remove();
      audit = undefined;
    },
    entries() {
      if (!audit) throw new TypeError('the audit plugin is not set up; add it to a connected database first');
      return audit;
    },
  };
}
