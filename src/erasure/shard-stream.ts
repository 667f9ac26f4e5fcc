/**
 * A push-to-pull bridge: the encoder pushes shard chunks, a port's `put` pulls them as a stream, and
 * the encoder waits when the port is slower, so memory stays bounded by a few blocks per port.
 */
export class ShardStream {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(highWaterMark = 2) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.release(),
        cancel: () => {
          this.closed = true;
          this.release();
        },
      },
      { highWaterMark },
    );
  }

  /**
   * Queues a chunk, waiting while the reader is behind; a no-op once the reader has gone away.
   * Returns false when the reader took nothing for `stallMs`: the caller should give up on it.
   */
  async push(chunk: Uint8Array, stallMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    while (!this.closed && (this.controller.desiredSize ?? 0) <= 0) {
      const woke = await new Promise<boolean>((resolve) => {
        const timer = Number.isFinite(stallMs) ? setTimeout(() => resolve(false), stallMs) : undefined;
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!woke) return false;
    }
    if (!this.closed) this.controller.enqueue(chunk);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
  }

  /** Ends the stream with an error, so the port's put fails and commits nothing. */
  fail(reason: unknown): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.controller.error(reason);
      } catch {
        // already errored or cancelled by the reader
      }
    }
    this.release();
  }

  /** Stops waiting for a reader that failed (its put rejected). */
  abandon(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
