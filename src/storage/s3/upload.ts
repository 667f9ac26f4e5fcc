import { Readable } from 'node:stream';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { throwIfAborted } from '../../errors.js';
import { normalizeEtag } from '../contract/validate.js';

/**
 * Uploads a body of unknown length through lib-storage's `Upload` (multipart with about
 * `partSize × (queueSize + 1)` of memory, one PutObject when it fits a part). Aborting the signal aborts the
 * multipart upload. The ETag may be empty where the server leaves it out of CompleteMultipartUpload (Ceph).
 *
 * @example
 * ```ts
 * const { etag, size } = await uploadStream(client, { Bucket: 'b', Key: 'k' }, chunks, { partSize, queueSize }, fail);
 * ```
 */
export async function uploadStream(
  client: S3Client,
  params: Omit<PutObjectCommandInput, 'Body'>,
  chunks: AsyncIterable<Uint8Array>,
  options: { partSize: number; queueSize: number; signal?: AbortSignal | undefined },
  fail: (err: unknown) => never,
): Promise<{ etag: string; size: number }> {
  let size = 0;
  const counted = async function* () {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      yield chunk;
    }
  };
  const upload = new Upload({
    client,
    params: { ...params, Body: Readable.from(counted()) },
    partSize: options.partSize,
    queueSize: options.queueSize,
    leavePartsOnError: false,
  });
  const onAbort = () => void upload.abort().catch(() => {});
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await upload.done();
    throwIfAborted(options.signal);
    return { etag: normalizeEtag(out.ETag), size };
  } catch (err) {
    throwIfAborted(options.signal);
    return fail(err);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
