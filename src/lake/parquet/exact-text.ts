/**
 * hyparquet parsers that decode string columns exactly. Its default decoder drops a leading U+FEFF (a
 * `TextDecoder` treats it as a byte order mark); in a column value it is data, so it is kept.
 */
const exact = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Pass as `parsers` to `parquetReadObjects`.
 *
 * @example
 * ```ts
 * const rows = await parquetReadObjects({ file, parsers: EXACT_TEXT_PARSERS });
 * ```
 */
export const EXACT_TEXT_PARSERS = {
  stringFromBytes: (bytes: Uint8Array | undefined): string | undefined => bytes && exact.decode(bytes),
};

/** UTF-8 text of a value's bytes, a leading U+FEFF kept. */
export function exactText(bytes: Uint8Array): string {
  return exact.decode(bytes);
}
