/**
 * The queue plugin (what s3db's S3QueuePlugin does): a work queue in the bucket. A message is one
 * object (`plugin=queue/<name>/m/<time-ordered id>`); a consumer claims it by compare-and-swap on its
 * ETag, which makes it invisible for the visibility timeout; `ack` removes it, `fail` makes it visible
 * again after a backoff, and after `maxAttempts` it moves to the dead letters. Only the holder of the
 * latest claim can ack, extend or fail a message, so no message is lost or delivered twice at once.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { Database } from '../database.js';
import { randomId } from '../ids.js';
import type { Plugin } from '../plugin.js';
import { changeKey } from './replicator-log.js';

export interface QueueOptions {
  /** Names the queue: `plugin=queue/<name>/` (default `default`); 1-64 of `A-Z a-z 0-9 _ -`. */
  name?: string;
  /** How long a claimed message stays invisible to other consumers (default 30,000 ms). */
  visibilityTimeoutMs?: number;
  /** Deliveries before a message goes to the dead letters (default 5). */
  maxAttempts?: number;
  /** The delay after the first failure, doubled after each (default 1,000 ms). */
  backoffMs?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

interface Stored {
  payload: unknown;
  attempts: number;
  visibleAt: number;
  state: 'ready' | 'claimed' | 'dead';
  enqueuedAt: string;
  receipt?: string;
  lastError?: string;
}

/** A claimed message: hand it back to `ack`, `extend` or `fail`. */
export interface Claimed<P = unknown> {
  id: string;
  payload: P;
  /** This delivery's number (1 for the first). */
  attempts: number;
  /** When the claim ends unless extended (epoch ms). */
  visibleAt: number;
  /** The ETag of the claim: only the latest claim can change the message. */
  readonly etag: string;
}

/** A message that failed `maxAttempts` times. */
export interface DeadLetter {
  id: string;
  payload: unknown;
  attempts: number;
  lastError?: string;
  enqueuedAt: string;
}

export interface QueuePlugin<P = unknown> extends Plugin {
  /** Adds a message, visible after `delayMs`; resolves with its id. */
  enqueue(payload: P, options?: { delayMs?: number }): Promise<string>;
  /** Claims the oldest visible message, or resolves undefined when none is visible. */
  claim(options?: { visibilityTimeoutMs?: number }): Promise<Claimed<P> | undefined>;
  /** Removes a handled message; false when the claim had expired and another consumer took it. */
  ack(message: Claimed<P>): Promise<boolean>;
  /** Keeps a claim for `ms` more; resolves with the renewed claim, or undefined when it was lost. */
  extend(message: Claimed<P>, ms: number): Promise<Claimed<P> | undefined>;
  /** Gives a message back: visible again after the backoff, or a dead letter after `maxAttempts`. */
  fail(message: Claimed<P>, error?: unknown): Promise<'retry' | 'dead' | 'lost'>;
  /** The dead letters, oldest first. */
  deadLetters(): AsyncGenerator<DeadLetter>;
}

/**
 * Creates a queue plugin.
 *
 * @example
 * ```ts
 * const jobs = queue<{ url: string }>({ name: 'fetch', visibilityTimeoutMs: 60_000 });
 * const db = await new Database({ connectionString: 'file://./data', plugins: [jobs] }).connect();
 * await jobs.enqueue({ url: 'https://example.com' });
 * const job = await jobs.claim();
 * if (job) await fetch(job.payload.url).then(() => jobs.ack(job), (err) => jobs.fail(job, err));
 * ```
 */
export function queue<P = unknown>(options: QueueOptions = {}): QueuePlugin<P> {
  const name = options.name ?? 'default';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw bkError('InvalidArgument', `queue names are 1-64 of A-Z a-z 0-9 _ - (got "${name}")`);
  }
  const now = options.now ?? Date.now;
  const timeout = options.visibilityTimeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const messages = `plugin=queue/${name}/m/`;
  const dead = `plugin=queue/${name}/dead/`;
  let database: Database | undefined;

  const port = (): StoragePort => {
    if (!database) throw new TypeError('the queue is not set up; add it to a connected database first');
    if (!database.guarantees.conditionalWrites) {
      throw bkError(
        'Unsupported',
        `the queue needs conditional writes, which ${database.port.name} does not enforce`,
      );
    }
    return database.port;
  };
  const read = async (id: string): Promise<{ stored: Stored; etag: string } | undefined> => {
    try {
      const result = await port().get(messages + id);
      return { stored: JSON.parse(await result.text()) as Stored, etag: result.etag };
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    }
  };
  /** Writes the message if it still has `etag`; the new ETag, or undefined when someone changed it. */
  const swap = async (id: string, stored: Stored, etag: string): Promise<string | undefined> => {
    try {
      return (await port().put(messages + id, JSON.stringify(stored), { ifMatch: etag })).etag;
    } catch (err) {
      if (BucketkitError.is(err, 'PreconditionFailed') || BucketkitError.is(err, 'NotFound'))
        return undefined;
      throw err;
    }
  };
  /** Finishes moving a message marked dead: its dead letter first, then the message. */
  const bury = async (id: string, stored: Stored) => {
    const letter: DeadLetter = {
      id,
      payload: stored.payload,
      attempts: stored.attempts,
      enqueuedAt: stored.enqueuedAt,
      ...(stored.lastError !== undefined ? { lastError: stored.lastError } : {}),
    };
    await port().put(dead + id, JSON.stringify(letter), { contentType: 'application/json' });
    await port().delete(messages + id);
  };
  const claimed = (id: string, stored: Stored, etag: string): Claimed<P> => ({
    id,
    payload: stored.payload as P,
    attempts: stored.attempts,
    visibleAt: stored.visibleAt,
    etag,
  });

  /** Claims `id` if it is visible; undefined when it is not or another consumer won it. */
  const tryClaim = async (id: string, at: number, ms: number): Promise<Claimed<P> | undefined> => {
    const current = await read(id);
    if (!current) return undefined;
    const { stored, etag } = current;
    if (stored.state === 'dead') {
      await bury(id, stored);
      return undefined;
    }
    if (stored.visibleAt > at) return undefined;
    if (stored.attempts >= maxAttempts) {
      // its last claim expired unacknowledged
      const marked = {
        ...stored,
        state: 'dead' as const,
        lastError: stored.lastError ?? 'visibility timeout expired',
      };
      if (await swap(id, marked, etag)) await bury(id, marked);
      return undefined;
    }
    const next: Stored = {
      ...stored,
      state: 'claimed',
      attempts: stored.attempts + 1,
      visibleAt: at + ms,
      receipt: randomId(12),
    };
    const tag = await swap(id, next, etag);
    return tag ? claimed(id, next, tag) : undefined;
  };

  return {
    name: 'queue',
    setup(db: Database) {
      database = db;
    },
    teardown() {
      database = undefined;
    },
    async enqueue(payload, enqueueOptions = {}) {
      const id = changeKey();
      const stored: Stored = {
        payload,
        attempts: 0,
        visibleAt: now() + (enqueueOptions.delayMs ?? 0),
        state: 'ready',
        enqueuedAt: new Date(now()).toISOString(),
      };
      await port().put(messages + id, JSON.stringify(stored), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
      return id;
    },
    async claim(claimOptions = {}) {
      const at = now();
      const ms = claimOptions.visibilityTimeoutMs ?? timeout;
      const page: string[] = [];
      for await (const entry of port().list({ prefix: messages, pageSize: 1000 })) {
        if (entry.type !== 'object') continue;
        page.push(entry.key.slice(messages.length));
        if (page.length === 1000) {
          const won = await claimFrom(page.splice(0), at, ms, tryClaim);
          if (won) return won;
        }
      }
      return claimFrom(page, at, ms, tryClaim);
    },
    async ack(message) {
      const current = await read(message.id);
      if (!current || current.etag !== message.etag) return false;
      const tag = await swap(
        message.id,
        { ...current.stored, state: 'claimed', visibleAt: Number.MAX_SAFE_INTEGER },
        message.etag,
      );
      if (!tag) return false;
      await port().delete(messages + message.id);
      return true;
    },
    async extend(message, ms) {
      const current = await read(message.id);
      if (!current || current.etag !== message.etag) return undefined;
      const next = { ...current.stored, visibleAt: now() + ms };
      const tag = await swap(message.id, next, message.etag);
      return tag ? claimed(message.id, next, tag) : undefined;
    },
    async fail(message, error) {
      const current = await read(message.id);
      if (!current || current.etag !== message.etag) return 'lost';
      const lastError =
        error === undefined ? undefined : error instanceof Error ? error.message : String(error);
      const base = { ...current.stored, ...(lastError !== undefined ? { lastError } : {}) };
      if (base.attempts >= maxAttempts) {
        const marked = { ...base, state: 'dead' as const };
        if (!(await swap(message.id, marked, message.etag))) return 'lost';
        await bury(message.id, marked);
        return 'dead';
      }
      const retry = {
        ...base,
        state: 'ready' as const,
        visibleAt: now() + backoffMs * 2 ** (base.attempts - 1),
      };
      return (await swap(message.id, retry, message.etag)) ? 'retry' : 'lost';
    },
    async *deadLetters() {
      for await (const entry of port().list({ prefix: dead })) {
        if (entry.type !== 'object') continue;
        try {
          yield JSON.parse(await (await port().get(entry.key)).text()) as DeadLetter;
        } catch (err) {
          if (!BucketkitError.is(err, 'NotFound')) throw err;
        }
      }
    },
  };
}

/**
 * Tries the listed ids oldest first, except that each consumer starts at a random one of the first
 * eight, so consumers racing for the head of the queue mostly try different messages.
 */
async function claimFrom<C>(
  ids: readonly string[],
  at: number,
  ms: number,
  tryClaim: (id: string, at: number, ms: number) => Promise<C | undefined>,
): Promise<C | undefined> {
  const start = Math.floor(Math.random() * Math.min(8, ids.length));
  for (let i = 0; i < ids.length; i++) {
    const won = await tryClaim(ids[(start + i) % ids.length]!, at, ms);
    if (won) return won;
  }
  return undefined;
}
