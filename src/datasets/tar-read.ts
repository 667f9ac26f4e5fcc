import { chunksOf } from '../storage/browser.js';
import { type TarEntry, TarParser, type TarReadOptions } from './tar-reader.js';

/**
 * Parses a whole archive held in memory.
 *
 * @example
 * ```ts
 * for (const entry of readTar(bytes)) {
 *   const content = bytes.subarray(entry.contentOffset, entry.contentOffset + entry.size);
 * }
 * ```
 */
export function readTar(bytes: Uint8Array, options: TarReadOptions = {}): TarEntry[] {
  const parser = new TarParser(options);
  const entries = parser.push(bytes);
  entries.push(...parser.end());
  return entries;
}

/**
 * Parses an archive as it streams, yielding each entry once its header is read (content is skipped,
 * never buffered).
 *
 * @example
 * ```ts
 * for await (const entry of readTarStream((await port.get(key)).body)) console.log(entry.name);
 * ```
 */
export async function* readTarStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: TarReadOptions = {},
): AsyncGenerator<TarEntry> {
  const parser = new TarParser(options);
  for await (const chunk of chunksOf(source)) yield* parser.push(chunk);
  yield* parser.end();
}

/**
 * The content bytes of an entry of an archive held in memory (a view, not a copy).
 *
 * @example
 * ```ts
 * const text = new TextDecoder().decode(tarContent(bytes, entries[0]));
 * ```
 */
export function tarContent(bytes: Uint8Array, entry: TarEntry): Uint8Array {
  return bytes.subarray(entry.contentOffset, entry.contentOffset + entry.size);
}
