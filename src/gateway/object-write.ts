/** PutObject and DeleteObject, and the conditional write (If-Match / If-None-Match) other writes share. */
import type { Body, Metadata, PutResult } from '../storage/index.js';
import { objectBody } from './body.js';
import { assertClientKey, headOrUndefined, type RequestContext, type ServedBucket } from './context.js';
import { etagListMatches, header, quoted, send, visibleEtag } from './http.js';
import { keepLateChecksum, putMetadata } from './meta/index.js';
import { notify } from './notifier.js';
import { s3Error } from './s3-errors.js';
import {
  bucketState,
  requestLock,
  versionHeader,
  withoutVersionId,
  writeVersion,
} from './versioning/index.js';

/** The write conditions of a request, as visible ETags (what clients saw). */
export interface WriteConditions {
  ifNoneMatch?: string;
  ifMatch?: string;
}

/** `If-None-Match` / `If-Match` of a write request. */
export function writeConditions(ctx: RequestContext): WriteConditions {
  const ifNoneMatch = header(ctx.req.headers, 'if-none-match');
  const ifMatch = header(ctx.req.headers, 'if-match');
  return { ...(ifNoneMatch ? { ifNoneMatch } : {}), ...(ifMatch ? { ifMatch } : {}) };
}

/**
 * Writes an object honouring If-None-Match / If-Match atomically: through the port when it enforces
 * conditions, else under the gateway's per-key lock (correct while the gateway is the only writer).
 *
 * @example
 * ```ts
 * await conditionalPut(bucket, 'a.txt', body, { metadata: {} }, { ifNoneMatch: '*' });
 * ```
 */
export async function conditionalPut(
  bucket: ServedBucket,
  key: string,
  body: Body,
  written: { metadata: Metadata; contentType?: string; signal?: AbortSignal },
  conditions: WriteConditions,
): Promise<PutResult & { versionId?: string }> {
  const options = { ...written, metadata: withoutVersionId(written.metadata) };
  const state = await bucketState(bucket);
  if (state.versioning !== 'Unversioned') return writeVersion(bucket, state, key, body, options, conditions);
  return bucket.exclusive(key, async () => {
    const failed = () =>
      s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
        key,
      });
    let ifMatch: string | undefined;
    let ifNoneMatch = conditions.ifNoneMatch?.trim() === '*';
    const listed = conditions.ifNoneMatch !== undefined && !ifNoneMatch;
    if (conditions.ifMatch !== undefined || listed || (ifNoneMatch && !bucket.conditional)) {
      const current = await headOrUndefined(bucket.port, key, options.signal);
      if (ifNoneMatch && current) throw failed();
      if (listed && current) {
        const matches =
          etagListMatches(conditions.ifNoneMatch!, visibleEtag(current)) ||
          etagListMatches(conditions.ifNoneMatch!, current.etag);
        if (matches) throw failed();
        // written only over the version just checked
        ifMatch = current.etag;
      } else if (listed) {
        ifNoneMatch = true;
      }
      if (conditions.ifMatch !== undefined) {
        if (!current) throw s3Error('NoSuchKey', 404, 'The specified key does not exist.', { key });
        const matches =
          etagListMatches(conditions.ifMatch, visibleEtag(current)) ||
          etagListMatches(conditions.ifMatch, current.etag);
        if (!matches) throw failed();
        ifMatch = current.etag;
      }
    }
    const atomic = bucket.conditional
      ? { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch: '*' as const } : {}) }
      : {};
    return bucket.port.put(key, body, { ...options, ...atomic });
  });
}

/** PutObject: the body streams from the socket into the port. */
export async function putObject(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const result = await storeObject(ctx, bucket);
  send(ctx.res, 200, { etag: quoted(result.etag), ...versionHeader(result), ...ctx.auth.checksums() });
  notify(ctx, bucket, 'ObjectCreated:Put', { key: result.key, size: result.size, etag: result.etag });
}

/** PutObject's write without its answer (shared with browser uploads): the request's body under its key. */
export async function storeObject(
  ctx: RequestContext,
  bucket: ServedBucket,
): Promise<PutResult & { versionId?: string; key: string }> {
  const key = assertClientKey(ctx.target.key);
  const conditions = writeConditions(ctx);
  const contentType = header(ctx.req.headers, 'content-type');
  const metadata = { ...(await putMetadata(ctx, bucket)), ...(await requestLock(ctx, bucket)) };
  const result = await conditionalPut(
    bucket,
    key,
    objectBody(ctx),
    { metadata, signal: ctx.signal, ...(contentType ? { contentType } : {}) },
    conditions,
  );
  await keepLateChecksum(bucket.base, metadata, result.etag, ctx.auth.checksums(), ctx.signal);
  return { ...result, key };
}

/** DeleteObject: idempotent, 204 whether or not the key existed. */
export async function deleteObject(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  await bucket.exclusive(key, () => bucket.port.delete(key, { signal: ctx.signal }));
  send(ctx.res, 204);
  notify(ctx, bucket, 'ObjectRemoved:Delete', { key });
}
