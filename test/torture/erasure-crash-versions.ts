/** Self-describing versions for the erasure crash loop: the bytes name their key and generation. */
import { createHash } from 'node:crypto';

/** Sizes from empty to several 4 KiB blocks, by generation. */
const SIZES = [0, 1, 100, 4096, 4097, 3 * 4096 + 7, 20_000];

/**
 * The bytes of version `generation` of `key`: a header line, then bytes derived from both.
 *
 * @example
 * ```ts
 * await port.put(key, versionBytes(key, 12));
 * ```
 */
export function versionBytes(key: string, generation: number): Uint8Array {
  const header = new TextEncoder().encode(`${key}#${generation}\n`);
  const size = Math.max(header.byteLength, SIZES[generation % SIZES.length]!);
  const out = new Uint8Array(size);
  out.set(header);
  let block = createHash('sha256').update(header).digest();
  for (let at = header.byteLength; at < size; at += block.byteLength) {
    out.set(block.subarray(0, size - at), at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** The generation `bytes` are a whole version of for `key`, or undefined when they are not one. */
export function generationOf(key: string, bytes: Uint8Array): number | undefined {
  const end = bytes.indexOf(10);
  if (end < 0) return undefined;
  const [named, number] = new TextDecoder().decode(bytes.subarray(0, end)).split('#');
  const generation = Number(number);
  if (named !== key || !Number.isSafeInteger(generation)) return undefined;
  return Buffer.from(versionBytes(key, generation)).equals(bytes) ? generation : undefined;
}
