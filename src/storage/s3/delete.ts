import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { bkError } from '../../errors.js';
import type { DeleteManyResult } from '../contract/port.js';
import { assertValidKey } from '../contract/validate.js';

/**
 * Deletes keys with DeleteObjects in batches of 1,000 (S3's limit); a key the server reports as not
 * deleted fails the call with `Backend`, naming the first such key.
 *
 * @example
 * ```ts
 * const { deleted } = await deleteObjects(client, 'bucket', ['a', 'b'], signal, fail);
 * ```
 */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: Iterable<string> | AsyncIterable<string>,
  signal: AbortSignal | undefined,
  fail: (err: unknown) => never,
): Promise<DeleteManyResult> {
  let deleted = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const out = await client
      .send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
        signal ? { abortSignal: signal } : undefined,
      )
      .catch(fail);
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      throw bkError(
        'Backend',
        `DeleteObjects failed for ${failed.length} keys, first "${failed[0]?.Key}": ${failed[0]?.Code}`,
        { details: { bucket, key: failed[0]?.Key } },
      );
    }
    deleted += batch.length;
    batch = [];
  };
  for await (const key of keys) {
    assertValidKey(key);
    batch.push(key);
    if (batch.length === 1000) await flush();
  }
  await flush();
  return { deleted };
}
