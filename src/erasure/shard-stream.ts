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

  /** Queues a chunk, waiting while the reader is behind; a no-op once the reader has gone away. */
  async push(chunk: Uint8Array): Promise<void> {
    while (!this.closed && (this.controller.desiredSize ?? 0) <= 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (!this.closed) this.controller.enqueue(chunk);
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
