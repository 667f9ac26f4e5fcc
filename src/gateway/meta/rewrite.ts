import { BucketkitError } from '../../errors.js';
import type { Metadata, ObjectInfo } from '../../storage/index.js';
import type { ServedBucket } from '../context.js';
import { s3Error } from '../s3-errors.js';

/**
 * Replaces an object's metadata, keeping its bytes and type: the object is written again over exactly
 * the version read (`ifMatch`, or the key's lock on a port without conditional writes), so a write that
 * lands in between is never lost — the change is retried on top of it. Costs a read and a write of
 * the object (S3's PutObjectTagging does not; ports have no metadata-only update).
 *
 * @example
 * ```ts
 * await rewriteMetadata(bucket, 'a.txt', (m) => ({ ...m, 'bucketkit.tags': 'a=1' }));
 * ```
 */
export async function rewriteMetadata(
  bucket: ServedBucket,
  key: string,
  change: (metadata: Metadata) => Metadata,
  signal?: AbortSignal,
): Promise<ObjectInfo> {
  const abortable = signal ? { signal } : {};
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await bucket.exclusive(key, async () => {
        const current = await bucket.base.get(key, abortable);
        const metadata = change(current.metadata);
        const written = await bucket.base.put(key, current.body, {
          ...abortable,
          metadata,
          ...(current.contentType ? { contentType: current.contentType } : {}),
          ...(bucket.conditional ? { ifMatch: current.etag } : {}),
        });
        return { ...current, etag: written.etag, metadata, lastModified: new Date() };
      });
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
    }
  }
  throw s3Error('OperationAborted', 409, 'the object kept changing while its metadata was updated; retry', {
    key,
  });
}
