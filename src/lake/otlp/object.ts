/**
 * Reads one raw OTLP object of a bucket: the decoder picked by the key's suffix (`.binpb` or `.json`,
 * optionally `.gz`), the body streamed through it.
 */
import { bkError } from '../../errors.js';
import { chunksOf, type StoragePort } from '../../storage/index.js';
import { gunzipChunks } from '../ingest/gzip.js';

/** A streaming decoder of one OTLP encoding. */
export type OtlpDecoder<T> = (
  chunks: AsyncIterable<Uint8Array>,
  options: { source: string; signal?: AbortSignal },
) => AsyncIterable<T>;

/**
 * Decodes the OTLP object at `key` with `decoders.protobuf` or `decoders.json`, by its suffix.
 *
 * @example
 * ```ts
 * const spans = decodeOtlpObject(port, 'otel-raw/acme/c1/traces_1.binpb.gz', 'traces', {
 *   protobuf: decodeOtlpTracesProtobuf,
 *   json: decodeOtlpTracesJson,
 * });
 * ```
 */
export async function* decodeOtlpObject<T>(
  port: StoragePort,
  key: string,
  signalName: string,
  decoders: { protobuf: OtlpDecoder<T>; json: OtlpDecoder<T> },
  signal?: AbortSignal,
): AsyncGenerator<T> {
  const gzipped = key.endsWith('.gz');
  const name = gzipped ? key.slice(0, -3) : key;
  const decoder = name.endsWith('.binpb')
    ? decoders.protobuf
    : name.endsWith('.json')
      ? decoders.json
      : undefined;
  if (decoder === undefined) {
    throw bkError(
      'Unsupported',
      `${key}: ${signalName} are read from OTLP .binpb or .json files (optionally .gz)`,
      { details: { key } },
    );
  }
  const got = await port.get(key, { signal });
  const raw = chunksOf(got.body, { signal });
  yield* decoder(gzipped ? gunzipChunks(raw, key) : raw, { source: key, ...(signal ? { signal } : {}) });
}
