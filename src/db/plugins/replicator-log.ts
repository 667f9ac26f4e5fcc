/**
 * The replicator's change log in the bucket. A write first puts a *pending* change (so a crash between
 * the record's write and its change loses nothing), then confirms it with what was written. A drain
 * takes the oldest changes into one *batch* object, which fixes its content: a drain that crashed is
 * finished by the next one with the same changes, so targets can apply each change exactly once.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { randomId } from '../ids.js';

/** What a write did to a record; `record` is what it wrote (absent for a delete). */
export type ChangeOp = 'insert' | 'update' | 'delete';

/** One change as targets receive it. */
export interface Change {
  /** Unique and ordered (time first): the change's name in the log and in targets' ledgers. */
  key: string;
  resource: string;
  id: string;
  op: ChangeOp;
  /** The record as this write left it (absent for a delete). */
  record?: Record<string, unknown>;
  /** The record as the source held it when the batch was taken (null: it no longer exists). */
  current: Record<string, unknown> | null;
  /** When the write happened (ISO). */
  at: string;
}

/** A change as stored in the log, before a drain resolves its `current`. */
export interface LoggedChange {
  resource: string;
  id: string;
  op: ChangeOp;
  record?: Record<string, unknown>;
  at: string;
  /** Set while the write is in flight; a pending change left by a crash is resolved from the source. */
  pending?: true;
}

/** An open batch: its changes and the targets that have handled them. */
export interface Batch {
  id: string;
  changes: Change[];
  done: string[];
}

let lastMs = 0;
let sequence = 0;

/** Time-ordered change keys: within a process, strictly increasing. */
export function changeKey(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else sequence++;
  return `${lastMs.toString(36).padStart(10, '0')}${sequence.toString(36).padStart(4, '0')}${randomId(8)}`;
}

/** The log of one replicator (`plugin=replicator/<name>/`) on a port. */
export class ChangeLog {
  private readonly changes: string;
  private readonly batchKey: string;

  constructor(
    private readonly port: StoragePort,
    root: string,
    private readonly conditional: boolean,
  ) {
    this.changes = `${root}changes/`;
    this.batchKey = `${root}batch.json`;
  }

  async put(key: string, change: LoggedChange): Promise<void> {
    await this.port.put(this.changes + key, JSON.stringify(change), { contentType: 'application/json' });
  }

  async remove(key: string): Promise<void> {
    await this.port.delete(this.changes + key);
  }

  /** The oldest `limit` change keys. */
  async oldest(limit: number): Promise<string[]> {
    const keys: string[] = [];
    for await (const entry of this.port.list({ prefix: this.changes, pageSize: Math.min(1000, limit) })) {
      if (entry.type !== 'object') continue;
      keys.push(entry.key.slice(this.changes.length));
      if (keys.length >= limit) break;
    }
    return keys;
  }

  /** The logged change, or undefined when it is gone (removed by a failed write). */
  async read(key: string): Promise<LoggedChange | undefined> {
    try {
      return JSON.parse(await (await this.port.get(this.changes + key)).text()) as LoggedChange;
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** The open batch and its ETag, if a drain left one. */
  async openBatch(): Promise<{ batch: Batch; etag: string } | undefined> {
    try {
      const result = await this.port.get(this.batchKey);
      return { batch: JSON.parse(await result.text()) as Batch, etag: result.etag };
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Opens a batch (create-only: a second drainer gets `PreconditionFailed`). */
  async startBatch(batch: Batch): Promise<string> {
    const options = this.conditional ? { ifNoneMatch: '*' as const } : {};
    return (await this.port.put(this.batchKey, JSON.stringify(batch), { ...options })).etag;
  }

  /** Records the batch's progress (compare-and-swap on the ETag it was read or written with). */
  async saveBatch(batch: Batch, etag: string): Promise<string> {
    const options = this.conditional ? { ifMatch: etag } : {};
    return (await this.port.put(this.batchKey, JSON.stringify(batch), options)).etag;
  }

  /** Removes a finished batch's changes, then the batch. */
  async finishBatch(batch: Batch): Promise<void> {
    await this.port.deleteMany(batch.changes.map((change) => this.changes + change.key));
    await this.port.delete(this.batchKey);
  }
}
