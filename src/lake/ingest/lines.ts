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
      line = parts.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode();
    }
    parts = [];
    partBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of source) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const line = finish(chunk.subarray(start, nl));
      if (line !== undefined) yield line;
      start = nl + 1;
    }
    if (start < chunk.byteLength) {
      const rest = chunk.subarray(start);
      partBytes += rest.byteLength;
      if (partBytes > max) skipping = true;
      if (!skipping) parts.push(rest.slice());
      else parts = [];
    }
  }
  if (partBytes > 0 || skipping) {
    const line = finish(new Uint8Array(0));
    if (line !== undefined) yield line;
  }
}
