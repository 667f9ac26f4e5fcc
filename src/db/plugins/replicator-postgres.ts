/**
 * The PostgreSQL target of the replicator (through `pg`, an optional peer dependency). A table per
 * resource is created from the schema (columns added when the schema grows); each batch is one
 * transaction that upserts or deletes the changed records and records the change keys in a ledger
 * table (with the action taken: `upsert` or `delete`), so a batch given again after a crash applies
 * nothing twice.
 */
import { bkError } from '../../errors.js';
import type { FieldSpec, FieldType } from '../schema/index.js';
import type { Change } from './replicator-log.js';
import type { ReplicationSource, ReplicationTarget } from './replicator-targets.js';

/** The part of a `pg` Pool the target uses (a `pg.Pool` fits). */
export interface PostgresPool {
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
}
export interface PostgresClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rowCount: number | null }>;
  release(): void;
}

export interface PostgresTargetOptions {
  /** `postgres://user@host:port/db`; or give `pool`. */
  connectionString?: string;
  /** A pool you own (not ended by the target). */
  pool?: PostgresPool;
  /** Resource → table name (default: the resource name). */
  tables?: Readonly<Record<string, string>>;
  /** The table recording applied change keys (default `bucketkit_replication`). */
  ledger?: string;
  /** Target name (default `postgres`). */
  name?: string;
}

const SQL_TYPES: Partial<Record<FieldType, string>> = {
  string: 'text',
  uuid: 'text',
  email: 'text',
  secret: 'text',
  date: 'text',
  datetime: 'timestamptz',
  number: 'double precision',
  integer: 'bigint',
  boolean: 'boolean',
};

/** A column per top-level attribute: scalars typed, nested objects, arrays and json as `jsonb`. */
export function columnsOf(fields: readonly FieldSpec[]): { name: string; type: string }[] {
  const columns = new Map<string, string>();
  for (const field of fields) {
    const dot = field.path.indexOf('.');
    const name = dot < 0 ? field.path : field.path.slice(0, dot);
    if (name === 'id') continue;
    columns.set(name, dot < 0 ? (SQL_TYPES[field.type] ?? 'jsonb') : 'jsonb');
  }
  return [...columns].map(([name, type]) => ({ name, type }));
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates the PostgreSQL target.
 *
 * @example
 * ```ts
 * const rep = replicator({ targets: [postgresTarget({ connectionString: 'postgres://app@localhost/app' })] });
 * // the table "users" gets id text primary key and a column per attribute
 * ```
 */
export function postgresTarget(options: PostgresTargetOptions): ReplicationTarget {
  const ledger = ident(options.ledger ?? 'bucketkit_replication');
  const tables = new Map<string, { table: string; columns: { name: string; type: string }[] }>();
  let pool: Promise<PostgresPool> | undefined;
  let ledgerReady = false;

  const open = (): Promise<PostgresPool> => {
    if (options.pool) return Promise.resolve(options.pool);
    pool ??= import('pg').then(
      (pg) => {
        const created = new pg.default.Pool({ connectionString: options.connectionString, max: 2 });
        // an idle connection the server closed: the pool drops it and the next batch opens another
        created.on('error', () => {});
        return created as PostgresPool;
      },
      (cause: unknown) => {
        pool = undefined;
        throw bkError('Unsupported', 'the PostgreSQL target needs the "pg" package: npm install pg', {
          cause,
        });
      },
    );
    return pool;
  };

  const ensureTable = async (client: PostgresClient, source: ReplicationSource, resource: string) => {
    const known = tables.get(resource);
    const columns = columnsOf(source.fields(resource));
    if (known && known.columns.length === columns.length) return known;
    const table = ident(options.tables?.[resource] ?? resource);
    const defs = columns.map((c) => `${ident(c.name)} ${c.type}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY${defs.map((d) => `, ${d}`).join('')})`,
    );
    for (const def of defs) await client.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${def}`);
    const entry = { table, columns };
    tables.set(resource, entry);
    return entry;
  };

  const write = async (client: PostgresClient, source: ReplicationSource, change: Change) => {
    const { table, columns } = await ensureTable(client, source, change.resource);
    if (!change.current) {
      await client.query(`DELETE FROM ${table} WHERE id = $1`, [change.id]);
      return;
    }
    const values = columns.map((c) => sqlValue(change.current![c.name], c.type));
    const names = columns.map((c) => ident(c.name));
    const params = columns.map((_c, i) => `$${i + 2}`);
    const updates = names.map((n) => `${n} = EXCLUDED.${n}`);
    await client.query(
      `INSERT INTO ${table} (id${names.map((n) => `, ${n}`).join('')}) VALUES ($1${params.map((p) => `, ${p}`).join('')}) ON CONFLICT (id) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
      [change.id, ...values],
    );
  };

  return {
    name: options.name ?? 'postgres',
    async apply(changes, _batchId, source) {
      const client = await (await open()).connect();
      try {
        if (!ledgerReady) {
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${ledger} (change text PRIMARY KEY, resource text NOT NULL, record_id text NOT NULL, action text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
          );
          ledgerReady = true;
        }
        await client.query('BEGIN');
        try {
          for (const change of changes) {
            const fresh = await client.query(
              `INSERT INTO ${ledger} (change, resource, record_id, action) VALUES ($1, $2, $3, $4) ON CONFLICT (change) DO NOTHING`,
              [change.key, change.resource, change.id, change.current ? 'upsert' : 'delete'],
            );
            if (fresh.rowCount === 1) await write(client, source, change);
          }
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          tables.clear(); // a rolled-back CREATE TABLE must be made again
          throw err;
        }
      } finally {
        client.release();
      }
    },
    async close() {
      if (pool) await (await pool).end();
      pool = undefined;
    },
  };
}

function sqlValue(value: unknown, type: string): unknown {
  if (value === undefined || value === null) return null;
  return type === 'jsonb' ? JSON.stringify(value) : value;
}
