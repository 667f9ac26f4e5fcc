/**
 * The PostgreSQL target of the replicator (through `pg`, an optional peer dependency). A table per
 * resource is created from the schema (columns added when the schema grows); each batch is one
 * transaction that records the change keys in a ledger table (with the action taken, `upsert` or
 * `delete`, and the batch) and upserts or deletes the records of the changes not recorded before,
 * several rows a statement: a batch given again after a crash applies nothing twice.
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
  query(text: string, values?: readonly unknown[]): Promise<{ rowCount: number | null; rows?: unknown[] }>;
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

  /** Upserts or deletes the records of one resource: one statement per 500 upserted rows, one delete. */
  const write = async (
    client: PostgresClient,
    source: ReplicationSource,
    resource: string,
    states: Map<string, Record<string, unknown> | null>,
  ) => {
    const { table, columns } = await ensureTable(client, source, resource);
    const gone = [...states].filter(([, state]) => !state).map(([id]) => id);
    if (gone.length > 0) await client.query(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [gone]);
    const rows = [...states].filter(([, state]) => state) as [string, Record<string, unknown>][];
    const names = columns.map((c) => ident(c.name));
    const updates = names.map((n) => `${n} = EXCLUDED.${n}`);
    const conflict = updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING';
    for (let at = 0; at < rows.length; at += 500) {
      const chunk = rows.slice(at, at + 500);
      const values: unknown[] = [];
      const tuples = chunk.map(([id, state]) => {
        const first = values.length + 1;
        values.push(id, ...columns.map((c) => sqlValue(state[c.name], c.type)));
        return `(${Array.from({ length: columns.length + 1 }, (_, i) => `$${first + i}`).join(', ')})`;
      });
      await client.query(
        `INSERT INTO ${table} (id${names.map((n) => `, ${n}`).join('')}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO ${conflict}`,
        values,
      );
    }
  };

  /** Records the batch's changes in the ledger; returns the keys not recorded before. */
  const record = async (client: PostgresClient, changes: readonly Change[], batchId: string) => {
    const result = (await client.query(
      `INSERT INTO ${ledger} (change, resource, record_id, action, batch)
       SELECT c, r, i, a, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(c, r, i, a)
       ON CONFLICT (change) DO NOTHING RETURNING change`,
      [
        changes.map((c) => c.key),
        changes.map((c) => c.resource),
        changes.map((c) => c.id),
        changes.map((c) => (c.current ? 'upsert' : 'delete')),
        batchId,
      ],
    )) as { rows?: { change: string }[] };
    return new Set((result.rows ?? []).map((row) => row.change));
  };

  return {
    name: options.name ?? 'postgres',
    async apply(changes, batchId, source) {
      const client = await (await open()).connect();
      try {
        if (!ledgerReady) {
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${ledger} (change text PRIMARY KEY, resource text NOT NULL, record_id text NOT NULL, action text NOT NULL, batch text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
          );
          ledgerReady = true;
        }
        await client.query('BEGIN');
        try {
          const fresh = await record(client, changes, batchId);
          // every change of a record in a batch carries the same state: the record as the batch found it
          const byResource = new Map<string, Map<string, Record<string, unknown> | null>>();
          for (const change of changes) {
            if (!fresh.has(change.key)) continue;
            const states = byResource.get(change.resource) ?? new Map();
            states.set(change.id, change.current);
            byResource.set(change.resource, states);
          }
          for (const [resource, states] of byResource) await write(client, source, resource, states);
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
