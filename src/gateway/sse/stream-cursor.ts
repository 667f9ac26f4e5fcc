/** Reading a byte stream in pieces of known lengths: a header, then the bytes it announces. */

/**
 * A cursor over a chunked byte source: `read(n)` returns the next `n` bytes at once, `take(n)`
 * yields them as they arrive; what a source chunk holds past them stays for the next call.
 *
 * @example
 * ```ts
 * const cursor = new StreamCursor(chunksOf(stored.body), () => stored.body.cancel());
 * const header = await cursor.read(76);
 * for await (const piece of cursor.take(size)) use(piece);
 * await cursor.close();
 * ```
 */
export class StreamCursor {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly source: AsyncIterator<Uint8Array>;

  /** `release` frees what the source reads from, also when the source was never started. */
  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly release?: () => Promise<void>,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** The next `n` bytes (fewer when the source ends first). */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    for await (const piece of this.take(n)) {
      out.set(piece, filled);
      filled += piece.byteLength;
    }
    return out.subarray(0, filled);
  }

  /** The next `n` bytes as they arrive (fewer when the source ends first). */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.pending.byteLength === 0) {
        const next = await this.source.next();
        if (next.done) return;
        this.pending = next.value;
        continue;
      }
      const piece = this.pending.subarray(0, Math.min(left, this.pending.byteLength));
      this.pending = this.pending.subarray(piece.byteLength);
      left -= piece.byteLength;
      yield piece;
    }
  }

  /** Stops reading the source and releases what it reads from. */
  async close(): Promise<void> {
    this.pending = new Uint8Array(0);
    await this.source.return?.(undefined);
    await this.release?.();
  }
}
