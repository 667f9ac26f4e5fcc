import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3StorageOptions } from './s3.js';

/**
 * The S3 client the adapter uses: keep-alive sockets, path-style for custom endpoints, and checksums
 * only when required there.
 *
 * @example
 * ```ts
 * const client = createClient({ bucket: 'b', endpoint: 'http://127.0.0.1:9000' });
 * ```
 */
export function createClient(options: S3StorageOptions): S3Client {
  const maxSockets = options.maxSockets ?? 64;
  return new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    // CRC trailers and aws-chunked bodies confuse many S3-compatible servers (Ceph, s3rver)
    requestChecksumCalculation: options.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    }),
  });
}
