/**
 * Streaming gunzip for raw inputs (Node only: node:zlib). Memory stays bounded whatever the ratio, so a
 * gzip bomb costs time, not memory; a corrupt or truncated stream is a `Corrupt` error.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { bkError } from '../../errors.js';

/**
 * Yields the decompressed bytes of a gzip stream (several members are read one after another).
 *
 * @example
 * ```ts
 * for await (const chunk of gunzipChunks(chunksOf(got.body), 'logs/app.json.gz')) use(chunk);
 * ```
 */
export async function* gunzipChunks(
  source: AsyncIterable<Uint8Array>,
  key: string,
): AsyncGenerator<Uint8Array> {
  const input = Readable.from(source, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  let sourceError: unknown;
  input.on('error', (err) => {
    sourceError = err;
    gunzip.destroy(err);
  });
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (err) {
    if (sourceError !== undefined) throw sourceError;
    throw bkError('Corrupt', `${key} is not a complete gzip stream; re-upload the file`, {
      cause: err,
      details: { key },
    });
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
