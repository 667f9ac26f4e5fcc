/**
 * The formats the lake reads, and `decodeObject`, which opens a raw object of a port and runs the decoder
 * its key (and, for a shared suffix, its first bytes) calls for. Node only (gunzip through node:zlib).
 */
import { bkError } from '../../errors.js';
import { chunksOf, type StoragePort } from '../../storage/index.js';
import { csvFormat } from './csv.js';
import type { DecodedLog } from './decoded.js';
import { type DecoderInput, type LogFormat, matchFormat, pickBySniff } from './formats.js';
import { gunzipChunks } from './gzip.js';
import { ndjsonFormat } from './ndjson.js';
import { otlpLogsJsonFormat } from './otlp-logs-json.js';
import { otlpLogsProtobufFormat } from './otlp-logs-protobuf.js';
import { parquetLogFormat } from './parquet-input.js';

/** Every input format, in sniffing order (a format with `sniff` before a catch-all of the same suffix). */
export const LOG_FORMATS: readonly LogFormat[] = [
  otlpLogsJsonFormat,
  ndjsonFormat,
  csvFormat,
  otlpLogsProtobufFormat,
  parquetLogFormat,
];

export interface DecodeObjectOptions {
  /** The formats to choose from (default `LOG_FORMATS`). */
  formats?: readonly LogFormat[];
  /** Counts a row that could not be decoded. */
  badRow?: (reason: string) => void;
  signal?: AbortSignal;
  /** Called with the format picked, before the first record. */
  onFormat?: (format: LogFormat) => void;
}

const SNIFF_BYTES = 4096;

/**
 * The decoded records of one raw object, streamed.
 *
 * @example
 * ```ts
 * for await (const log of decodeObject(port, 'logs-raw/app.json.gz', (await port.head(key)).size)) cook(log);
 * ```
 */
export async function* decodeObject(
  port: StoragePort,
  key: string,
  size: number,
  options: DecodeObjectOptions = {},
): AsyncGenerator<DecodedLog> {
  const match = matchFormat(key, options.formats ?? LOG_FORMATS);
  const signal = options.signal;
  const content = async function* () {
    const got = await port.get(key, { signal });
    const raw = chunksOf(got.body, { signal });
    yield* match.gzipped ? gunzipChunks(raw, key) : raw;
  };
  let format = match.formats[0]!;
  let head: Uint8Array[] = [];
  let rest: AsyncIterator<Uint8Array> | undefined;
  if (match.formats.length > 1) {
    rest = content()[Symbol.asyncIterator]();
    let bytes = 0;
    while (bytes < SNIFF_BYTES) {
      const next = await rest.next();
      if (next.done) break;
      head.push(next.value);
      bytes += next.value.byteLength;
    }
    const joined = new Uint8Array(bytes);
    let at = 0;
    for (const chunk of head) {
      joined.set(chunk, at);
      at += chunk.byteLength;
    }
    format = pickBySniff(match.formats, joined) ?? format;
  }
  options.onFormat?.(format);
  let used = false;
  const input: DecoderInput = {
    key,
    size,
    signal,
    badRow: options.badRow ?? (() => {}),
    readRange: async (start, end) =>
      (await port.get(key, { range: { start, end: end - 1 }, signal })).bytes(),
    chunks: () => {
      if (used) throw bkError('InvalidArgument', 'DecoderInput.chunks() may be read only once');
      used = true;
      if (rest === undefined) return content();
      const iterator = rest;
      const buffered = head;
      head = [];
      return (async function* () {
        yield* buffered;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      })();
    },
  };
  yield* format.decode(input);
}
