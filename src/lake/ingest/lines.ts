/**
 * Splits a byte stream into UTF-8 text lines without holding more than one line (plus a chunk) in memory.
 * A line longer than `maxLineBytes` is skipped and reported, so one huge line cannot exhaust memory.
 */

export interface LineOptions {
  /** Longest line kept, in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** Called for each line that was too long (it is skipped). */
  onTooLong?: (bytes: number) => void;
}

/**
 * The lines of a byte stream, without their `\n` (and `\r\n`).
 *
 * @example
 * ```ts
 * for await (const line of textLines(chunks)) JSON.parse(line);
 * ```
 */
export async function* textLines(
  source: AsyncIterable<Uint8Array>,
  options: LineOptions = {},
): AsyncGenerator<string> {
  for await (const batch of textLineBatches(source, options)) yield* batch;
}

/**
 * The lines of a byte stream in batches (one per chunk that ends at least one line): the lines that lie
 * whole inside a chunk are decoded with one `TextDecoder` call and split, instead of one call per line.
 * Each line is decoded on its own terms: a leading U+FEFF is dropped from every line, as decoding it
 * alone would.
 *
 * @example
 * ```ts
 * for await (const lines of textLineBatches(chunks)) for (const line of lines) JSON.parse(line);
 * ```
 */
export async function* textLineBatches(
  source: AsyncIterable<Uint8Array>,
  options: LineOptions = {},
): AsyncGenerator<string[]> {
  const max = options.maxLineBytes ?? 16 * 1024 * 1024;
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let skipping = false;
  const finish = (tail: Uint8Array): string | undefined => {
    if (skipping) {
      options.onTooLong?.(partBytes + tail.byteLength);
      skipping = false;
      parts = [];
      partBytes = 0;
      return undefined;
    }
    let line: string;
    if (parts.length === 0) line = decoder.decode(tail);
    else {
      parts.push(tail);
      // joined and decoded in one call: Node 24's streaming decoder drops a second U+FEFF when the first
      // one's bytes are split between calls
      const joined = new Uint8Array(partBytes + tail.byteLength);
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.byteLength;
      }
      line = decoder.decode(joined);
    }
    parts = [];
    partBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of source) {
    const batch: string[] = [];
    let start = 0;
    const last = chunk.lastIndexOf(10);
    if ((partBytes > 0 || skipping) && last !== -1) {
      // the line begun in earlier chunks ends here
      const nl = chunk.indexOf(10);
      const line = finish(chunk.subarray(0, nl));
      if (line !== undefined) batch.push(line);
      start = nl + 1;
    }
    if (last >= start && last - start <= max) {
      splitLines(decoder.decode(chunk.subarray(start, last)), batch);
      start = last + 1;
    } else {
      // a run of lines longer than a line may be: line by line, so an overlong one is skipped
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        const line = finish(chunk.subarray(start, nl));
        if (line !== undefined) batch.push(line);
        start = nl + 1;
      }
    }
    if (start < chunk.byteLength) {
      const rest = chunk.subarray(start);
      partBytes += rest.byteLength;
      if (partBytes > max) skipping = true;
      if (!skipping) parts.push(rest.slice());
      else parts = [];
    }
    if (batch.length > 0) yield batch;
  }
  if (partBytes > 0 || skipping) {
    const line = finish(new Uint8Array(0));
    if (line !== undefined) yield [line];
  }
}

/** Pushes the `\n`-separated lines of `text` (decoded at once) as `finish` would give them one by one. */
function splitLines(text: string, into: string[]): void {
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    let end = nl === -1 ? text.length : nl;
    if (end > from && text.charCodeAt(end - 1) === 13) end--;
    // the decoder drops one leading U+FEFF of the text; decoding each line alone drops it from every line
    const bom = from > 0 && text.charCodeAt(from) === 0xfeff ? 1 : 0;
    into.push(text.slice(from + bom, Math.max(from + bom, end)));
    if (nl === -1) return;
    from = nl + 1;
  }
}
