/** Streams of records: a concurrent reader and a writer with backpressure. */
import type { Doc } from './types.js';

/**
 * Writes records through `write`, at most `concurrency` at once. `write()` resolves when there is room
 * for the next record, so a producer that awaits it never runs ahead; `close()` waits for the rest.
 * The first failure rejects the pending and later calls.
 *
 * @example
 * ```ts
 * const writer = users.writer({ concurrency: 8 });
 * for (const row of rows) await writer.write(row);
 * const { written } = await writer.close();
 * ```
 */
export class RecordWriter<I, T> {
  private readonly inflight = new Set<Promise<unknown>>();
  private failure: unknown;
  private failed = false;
  private closed = false;
  private count = 0;

  constructor(
    private readonly insert: (record: I) => Promise<Doc<T>>,
    private readonly concurrency = 10,
  ) {}

  /** Starts writing `record`; resolves once fewer than `concurrency` writes are in flight. */
  async write(record: I): Promise<void> {
    if (this.closed) throw new TypeError('write() after close()');
    this.check();
    const task = this.insert(record).then(
      () => {
        this.count++;
      },
      (err: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = err;
        }
      },
    );
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
    while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
    this.check();
  }

  /** Waits for every write; rejects with the first failure. */
  async close(): Promise<{ written: number }> {
    this.closed = true;
    await Promise.all(this.inflight);
    this.check();
    return { written: this.count };
  }

  /** The same writer as a web `WritableStream` (its queue holds one record; backpressure as above). */
  writable(): WritableStream<I> {
    return new WritableStream<I>(
      {
        write: (record) => this.write(record),
        close: async () => {
          await this.close();
        },
      },
      { highWaterMark: 1 },
    );
  }

  private check(): void {
    if (this.failed) throw this.failure;
  }
}

/** An async iterable as a web `ReadableStream` (pulled: nothing is read ahead of the consumer's demand). */
export function toReadableStream<T>(source: AsyncIterable<T>): ReadableStream<T> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<T>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
