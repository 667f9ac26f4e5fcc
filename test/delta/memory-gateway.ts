/** A gateway serving one in-memory bucket named `bucket`, for the delta tests that reach it by URL. */
import { createGateway, staticBuckets } from '../../src/gateway/index.js';
import { memoryStorage, type StoragePort } from '../../src/storage/index.js';

/** Starts it on a free loopback port with one key pair; `close()` stops it. */
export async function memoryGateway(
  accessKeyId: string,
  secretAccessKey: string,
): Promise<{ bucket: StoragePort; endpoint: string; close(): Promise<void> }> {
  const bucket = memoryStorage();
  const listening = await createGateway({
    buckets: staticBuckets({ bucket }),
    credentials: [{ accessKeyId, secretAccessKey }],
  }).listen(0, '127.0.0.1');
  return { bucket, endpoint: listening.endpoint, close: () => listening.close() };
}
