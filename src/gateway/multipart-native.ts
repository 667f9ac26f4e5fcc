import type { PartRef } from '../storage/index.js';
import { objectBody } from './body.js';
import { headOrUndefined, type RequestContext, type ServedBucket } from './context.js';
import { etagListMatches, visibleEtag } from './http.js';
import { partKey, type UploadRecord } from './multipart-state.js';
import type { WriteConditions } from './object-write.js';
import { s3Error } from './s3-errors.js';

/*
 * Multipart uploads on ports with their own multipart API (an s3 port in front of real S3): the port
 * holds the parts and assembles the object, the gateway keeps a small record per part for ListParts.
 * The port's uploadPart takes bytes, so a part is held in memory while it is sent (parts are 5 MiB to
 * 5 GiB; clients use 5-64 MiB).
 */

function api(bucket: ServedBucket) {
  const multipart = bucket.port.multipart;
  if (!multipart) throw s3Error('NotImplemented', 501, 'this bucket’s port has no multipart API');
  return multipart;
}

/** Starts the port's own upload; its id goes into the gateway's upload record. */
export function createNative(
  bucket: ServedBucket,
  record: UploadRecord,
  signal: AbortSignal,
): Promise<string> {
  return api(bucket).create(record.key, {
    metadata: record.metadata,
    signal,
    ...(record.contentType ? { contentType: record.contentType } : {}),
  });
}

async function savePart(
  ctx: RequestContext,
  bucket: ServedBucket,
  id: string,
  n: number,
  ref: PartRef,
  size: number,
) {
  await bucket.port.put(partKey(id, n), JSON.stringify({ etag: ref.etag, size }), { signal: ctx.signal });
}

/** UploadPart through the port: the verified body is collected, then sent as one part. */
export async function uploadNativePart(
  ctx: RequestContext,
  bucket: ServedBucket,
  id: string,
  record: UploadRecord,
  n: number,
): Promise<PartRef> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of objectBody(ctx)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const ref = await api(bucket).uploadPart(record.key, record.native!, n, bytes, { signal: ctx.signal });
  await savePart(ctx, bucket, id, n, ref, bytes.byteLength);
  return ref;
}

/** UploadPartCopy through the port (same port), from a source object and optional range. */
export async function copyNativePart(
  ctx: RequestContext,
  bucket: ServedBucket,
  id: string,
  record: UploadRecord,
  n: number,
  source: { key: string; range?: { start: number; end: number } },
  size: number,
): Promise<PartRef> {
  const ref = await api(bucket).uploadPartCopy(record.key, record.native!, n, source, { signal: ctx.signal });
  await savePart(ctx, bucket, id, n, ref, size);
  return ref;
}

/**
 * Completes the port's upload. Write conditions are checked with a `head` under the gateway's key
 * lock: the port's multipart API takes no conditions.
 */
export function completeNative(
  bucket: ServedBucket,
  record: UploadRecord,
  parts: PartRef[],
  conditions: WriteConditions,
  signal: AbortSignal,
): Promise<{ etag: string }> {
  return bucket.exclusive(record.key, async () => {
    if (conditions.ifMatch !== undefined || conditions.ifNoneMatch) {
      const current = await headOrUndefined(bucket.port, record.key, signal);
      const failed =
        (conditions.ifNoneMatch &&
          current &&
          (etagListMatches(conditions.ifNoneMatch, visibleEtag(current)) ||
            etagListMatches(conditions.ifNoneMatch, current.etag))) ||
        (conditions.ifMatch !== undefined &&
          (!current ||
            !(
              etagListMatches(conditions.ifMatch, visibleEtag(current)) ||
              etagListMatches(conditions.ifMatch, current.etag)
            )));
      if (failed) {
        throw s3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
          {
            key: record.key,
          },
        );
      }
    }
    return api(bucket).complete(record.key, record.native!, parts, { signal });
  });
}

/** Aborts the port's upload (a missing one is fine: it may have expired). */
export async function abortNative(
  bucket: ServedBucket,
  record: UploadRecord,
  signal: AbortSignal,
): Promise<void> {
  await api(bucket).abort(record.key, record.native!, { signal });
}
