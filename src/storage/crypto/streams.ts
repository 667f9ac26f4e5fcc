/** Stream helpers of sealed reads: a length limit, a cut, and a web stream over a generator. */

/** The first `length` bytes of a source. */
export async function* limited(
  source: AsyncGenerator<Uint8Array>,
  length: number,
): AsyncGenerator<Uint8Array> {
  let left = length;
  try {
    for await (const chunk of source) {
      if (left <= 0) break;
      const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
      left -= part.byteLength;
      yield part;
      if (left <= 0) break;
    }
  } finally {
    await source.return(undefined);
  }
}

/**
 * Bytes `skip..skip + length - 1` of a source (what is left of them when it ends first).
 *
 * @example
 * ```ts
 * const middle = streamFrom(sliced(chunksOf(stored.body), 100, 50));
 * ```
 */
export async function* sliced(
  source: AsyncGenerator<Uint8Array>,
  skip: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  async function* skipped(): AsyncGenerator<Uint8Array> {
    let left = skip;
    try {
      for await (const chunk of source) {
        if (left >= chunk.byteLength) {
          left -= chunk.byteLength;
          continue;
        }
        yield left > 0 ? chunk.subarray(left) : chunk;
        left = 0;
      }
    } finally {
      await source.return(undefined);
    }
  }
  yield* limited(skipped(), length);
}

/**
 * A web stream pulling from an async generator, which it closes when cancelled, then runs `onCancel`
 * (a generator never started runs no `finally`, so what it holds is released there).
 */
export function streamFrom(
  source: AsyncGenerator<Uint8Array>,
  onCancel?: () => Promise<void>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
      await onCancel?.();
    },
  });
}
