/** Stream helpers of sealed reads: a length limit and a web stream over a generator. */

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

/** A web stream pulling from an async generator, which it closes when cancelled. */
export function streamFrom(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}
