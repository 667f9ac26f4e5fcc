/**
 * Where the replicator pushes changes: the target contract, another Database, and JSON lines on a port.
 * Targets receive each batch whole and must be safe to give the same batch again (a drain that
 * crashed is finished by the next one): upserts and deletes by id, files named by the batch.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { deserializeAttributes } from '../attributes.js';
import type { Database } from '../database.js';
import type { BehaviorName } from '../encoding/index.js';
import type { FieldSpec } from '../schema/index.js';
import type { Change } from './replicator-log.js';

/** What a target may ask about the source. */
export interface ReplicationSource {
  readonly database: Database;
  /** The leaf fields of a source resource's current schema. */
  fields(resource: string): readonly FieldSpec[];
}

/**
 * A place changes go. `apply` gets a batch in change order; it may be called again with the same batch
 * (same `batchId`) after a crash, so it must not apply a change twice in effect.
 */
export interface ReplicationTarget {
  /** Unique among a replicator's targets: progress and failures are recorded under it. */
  readonly name: string;
  apply(changes: readonly Change[], batchId: string, source: ReplicationSource): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Another Database: each changed record is upserted there as the source holds it, or deleted. A
 * missing target resource is created with the source's definition (without `timestamps`, so the
 * source's `createdAt`/`updatedAt` are kept as they are).
 *
 * @example
 * ```ts
 * const replica = await new Database({ connectionString: 'file://./replica' }).connect();
 * const db = await new Database({ connectionString: 'file://./data', plugins: [replicator({ targets: [databaseTarget(replica)] })] }).connect();
 * ```
 */
export function databaseTarget(
  target: Database,
  options: { name?: string; resources?: Readonly<Record<string, string>> } = {},
): ReplicationTarget {
  const ensured = new Set<string>();
  const resourceOf = async (source: ReplicationSource, resource: string) => {
    const name = options.resources?.[resource] ?? resource;
    if (!ensured.has(name)) {
      if (!target.resources().includes(name)) await target.refresh();
      if (!target.resources().includes(name)) {
        const entry = source.database.catalogSnapshot.resources[resource]!;
        const definition = entry.versions[entry.current]!;
        await target.createResource({
          name,
          attributes: deserializeAttributes(definition.attributes),
          behavior: definition.behavior as BehaviorName,
          partitions: definition.partitions,
          paranoid: definition.paranoid,
        });
      }
      ensured.add(name);
    }
    return target.resource(name);
  };
  return {
    name: options.name ?? 'database',
    async apply(changes, _batchId, source) {
      for (const change of changes) {
        const resource = await resourceOf(source, change.resource);
        if (change.current) await resource.upsert({ ...change.current, id: change.id });
        else await resource.delete(change.id);
      }
    },
  };
}

/** One line of the JSON-lines target. */
export interface ChangeLine {
  change: string;
  op: Change['op'];
  resource: string;
  id: string;
  record?: Record<string, unknown>;
  at: string;
}

/**
 * JSON lines on a storage port: one object per batch, `<prefix><batch id>.jsonl`, one line per change
 * (what the write wrote, in write order). Names sort in change order; a batch given again overwrites
 * its own object, so no line is ever written twice.
 *
 * @example
 * ```ts
 * const target = jsonLinesTarget(fileStorage('./changes'), { prefix: 'shop/' });
 * // later: for await (const entry of port.list({ prefix: 'shop/' })) ... each line is a ChangeLine
 * ```
 */
export function jsonLinesTarget(
  port: StoragePort,
  options: { name?: string; prefix?: string } = {},
): ReplicationTarget {
  const prefix = options.prefix ?? 'changes/';
  return {
    name: options.name ?? 'json-lines',
    async apply(changes, batchId) {
      const lines = changes.map((change) => {
        const line: ChangeLine = {
          change: change.key,
          op: change.op,
          resource: change.resource,
          id: change.id,
          at: change.at,
        };
        if (change.record) line.record = change.record;
        return `${JSON.stringify(line)}\n`;
      });
      await port.put(`${prefix}${batchId}.jsonl`, lines.join(''), { contentType: 'application/x-ndjson' });
    },
  };
}

/** Reads every line the JSON-lines target wrote under `prefix`, in change order. */
export async function readChangeLines(port: StoragePort, prefix = 'changes/'): Promise<ChangeLine[]> {
  const keys: string[] = [];
  for await (const entry of port.list({ prefix })) {
    if (entry.type === 'object' && entry.key.endsWith('.jsonl')) keys.push(entry.key);
  }
  const lines: ChangeLine[] = [];
  for (const key of keys.sort()) {
    try {
      const text = await (await port.get(key)).text();
      for (const line of text.split('\n')) if (line) lines.push(JSON.parse(line) as ChangeLine);
    } catch (err) {
      if (!BucketkitError.is(err, 'NotFound')) throw err;
    }
  }
  return lines;
}
