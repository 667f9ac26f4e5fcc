import { randomBytes } from 'node:crypto';
import { assertValidMetadata, multipartEtag, type StoragePort } from '../storage/index.js';
import { objectBody, smallBody, storedChunks } from './body.js';
import { assertClientKey, headOrUndefined, type RequestContext, type ServedBucket } from './context.js';
import { ETAG_META, header, quoted, send, sendXml, visibleEtag } from './http.js';
import { ownerElement, restoreUploadAcl, uploadAcl } from './identity/index.js';
import { maxKeys } from './listing.js';
import {
  CHECKSUM_META,
  checksumElement,
  multipartChecksum,
  partsMetadata,
  requestMetadata,
  type StoredChecksum,
} from './meta/index.js';
import { completion } from './multipart-checksum.js';
import {
  abortNative,
  completeNative,
  copyNativePart,
  createNative,
  uploadNativePart,
} from './multipart-native.js';
import { dirOf, listParts, partKey, readUpload, removeUpload, type UploadRecord } from './multipart-state.js';
import { notify } from './notifier.js';
import { copySource, openCopySource } from './object-copy.js';
import { conditionalPut, writeConditions } from './object-write.js';
import { s3Error } from './s3-errors.js';
import {
  assembledMetadata,
  assembleSealedParts,
  startUploadEncryption,
  useUploadEncryption,
} from './sse/index.js';
import { bucketState, locateVersion, requestLock } from './versioning/index.js';
import { childrenNamed, childText, parseXml, toXml } from './xml.js';

/*
 * Multipart operations. State: multipart-state.ts. Parts are objects under the reserved prefix and
 * Complete streams them into one conditional write; ports with their own multipart API
 * (`capabilities.multipart`) hold the parts themselves (multipart-native.ts).
 */

const MAX_PART = 10_000;

function partNumber(ctx: RequestContext): number {
  const raw = ctx.target.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART) {
    throw s3Error(
      'InvalidArgument',
      400,
      `Part number must be an integer between 1 and ${MAX_PART}, inclusive`,
    );
  }
  return n;
}

/** CreateMultipartUpload. */
export async function createUpload(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const checksum = multipartChecksum(ctx.req.headers);
  const metadata = {
    ...(await requestMetadata(ctx, bucket)),
    ...(await requestLock(ctx, bucket)),
    ...(checksum ? { [CHECKSUM_META]: `${checksum.algorithm}:${checksum.type}:` } : {}),
  };
  assertValidMetadata(metadata);
  const contentType = header(ctx.req.headers, 'content-type');
  const id = randomBytes(16).toString('hex');
  const sse = await startUploadEncryption(ctx);
  const acl = uploadAcl(ctx);
  const record: UploadRecord = {
    key,
    initiated: new Date().toISOString(),
    initiator: ctx.caller?.id ?? ctx.owner,
    metadata,
    ...(contentType ? { contentType } : {}),
    ...(sse ? { sse } : {}),
    ...(acl ? { acl } : {}),
  };
  // a versioned bucket keeps every version in its store, so the port's own multipart (which writes the
  // key in place) is not used there; nor for encrypted uploads, whose parts the gateway seals
  if (!sse && bucket.multipart && (await bucketState(bucket)).versioning === 'Unversioned') {
    record.native = await createNative(bucket, record, ctx.signal);
  }
  // the record is the gateway's own, never sealed with the upload's key
  await bucket.base.put(`${dirOf(id)}upload`, JSON.stringify(record), { signal: ctx.signal });
  const checksumHeaders: Record<string, string> = checksum
    ? { 'x-amz-checksum-algorithm': checksum.algorithm.toUpperCase(), 'x-amz-checksum-type': checksum.type }
    : {};
  sendXml(
    ctx.res,
    toXml('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: id }),
    200,
    checksumHeaders,
  );
}

/** UploadPart and UploadPartCopy (`x-amz-copy-source`, optional `x-amz-copy-source-range`). */
export async function uploadPart(
  ctx: RequestContext,
  bucket: ServedBucket,
  resolve: (name: string) => Promise<ServedBucket>,
): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const id = ctx.target.query.get('uploadId') ?? '';
  const n = partNumber(ctx);
  const record = await readUpload(bucket.base, id, key, ctx.signal);
  await useUploadEncryption(ctx, record.sse, 'part');
  if (!header(ctx.req.headers, 'x-amz-copy-source')) {
    const result = record.native
      ? await uploadNativePart(ctx, bucket, id, record, n)
      : await bucket.port.put(partKey(id, n), objectBody(ctx), { signal: ctx.signal });
    send(ctx.res, 200, { etag: quoted(result.etag), ...ctx.auth.checksums() });
    return;
  }
  const from = copySource(ctx);
  const source = from.bucket === bucket.name ? bucket : await resolve(from.bucket);
  const rangeText = header(ctx.req.headers, 'x-amz-copy-source-range');
  let range: { start: number; end: number } | undefined;
  if (rangeText) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
    if (!match || Number(match[2]) < Number(match[1])) {
      throw s3Error('InvalidArgument', 400, 'x-amz-copy-source-range must be bytes=first-last');
    }
    const version =
      from.versionId && (await locateVersion(source.base, from.key, from.versionId, ctx.signal));
    const size = (await source.port.head(version ? version.object : from.key, { signal: ctx.signal })).size;
    if (Number(match[2]) >= size) {
      throw s3Error('InvalidRange', 416, `the range ends past the source's ${size} bytes`);
    }
    range = { start: Number(match[1]), end: Number(match[2]) };
  }
  const original = await openCopySource(ctx, source, from.key, range, from.versionId);
  let result: { etag: string };
  if (record.native && source === bucket) {
    await original.body.cancel();
    const size = range ? range.end - range.start + 1 : original.size;
    const copy = { key: from.key, ...(range ? { range } : {}) };
    result = await copyNativePart(ctx, bucket, id, record, n, copy, size);
  } else if (record.native) {
    throw s3Error(
      'NotImplemented',
      501,
      'UploadPartCopy across buckets is not supported on this bucket’s port',
    );
  } else {
    result = await bucket.port.put(partKey(id, n), original.body, { signal: ctx.signal });
  }
  sendXml(ctx.res, toXml('CopyPartResult', { LastModified: new Date(), ETag: quoted(result.etag) }));
}

/** ListParts, paged by `part-number-marker` and `max-parts`. */
export async function listUploadParts(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const id = ctx.target.query.get('uploadId') ?? '';
  const record = await readUpload(bucket.base, id, key, ctx.signal);
  const marker = Number(ctx.target.query.get('part-number-marker') ?? '0') || 0;
  const limit = maxKeys(ctx, 'max-parts');
  const all = [...(await listParts(bucket.port, id, record, ctx.signal))].filter(([n]) => n > marker);
  const page = all.slice(0, limit);
  const truncated = all.length > page.length;
  sendXml(
    ctx.res,
    toXml('ListPartsResult', {
      Bucket: bucket.name,
      Key: key,
      UploadId: id,
      Initiator: ownerElement(ctx.users, record.initiator ?? ctx.owner),
      Owner: ownerElement(ctx.users, record.initiator ?? ctx.owner),
      StorageClass: 'STANDARD',
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: page.at(-1)![0] } : {}),
      MaxParts: limit,
      IsTruncated: truncated,
      Part: page.map(([n, part]) => ({
        PartNumber: n,
        LastModified: part.lastModified,
        ETag: quoted(part.etag),
        Size: part.size,
      })),
    }),
  );
}

async function* concatenate(
  port: StoragePort,
  keys: string[],
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (const key of keys) {
    yield* storedChunks((await port.get(key, { signal })).body);
  }
}

/** CompleteMultipartUpload: checks order, ETags and sizes, then writes the object by streaming the parts. */
export async function completeUpload(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const id = ctx.target.query.get('uploadId') ?? '';
  const found = await readUpload(bucket.base, id, key, ctx.signal).then(
    (record) => ({ record }),
    (error: unknown) => ({ error }),
  );
  const xml = await smallBody(ctx);
  const requested = requestedParts(xml);
  if ('error' in found) {
    // a repeated Complete (a retry after a lost answer): the same 200 while the object is the one it made
    const etag = multipartEtag(requested.map((p) => p.etag));
    const current = await headOrUndefined(bucket.port, key, ctx.signal);
    if (current && visibleEtag(current) === etag) return sendCompleted(ctx, bucket, key, etag);
    throw found.error;
  }
  const { record } = found;
  const assemble = (await useUploadEncryption(ctx, record.sse, 'complete')) === 'assemble';
  if (assemble && record.metadata[CHECKSUM_META]) {
    // the full-object checksum is taken over the plaintext, which needs the key (S3 requires it here too)
    throw s3Error(
      'InvalidRequest',
      400,
      'This upload was started with a customer key (SSE-C) and a checksum algorithm: send the same x-amz-server-side-encryption-customer-* headers with CompleteMultipartUpload',
    );
  }
  restoreUploadAcl(ctx, record.acl);
  const stored = await listParts(bucket.port, id, record, ctx.signal);
  requested.forEach(({ n, etag }, index) => {
    const part = stored.get(n);
    if (!part || part.etag !== etag) {
      throw s3Error('InvalidPart', 400, `part ${n} was not uploaded or its ETag does not match`, {
        partNumber: n,
      });
    }
    if (index < requested.length - 1 && part.size < ctx.limits.minPartSize) {
      throw s3Error(
        'EntityTooSmall',
        400,
        'Your proposed upload is smaller than the minimum allowed object size.',
        {
          partNumber: n,
          minSizeAllowed: ctx.limits.minPartSize,
        },
      );
    }
  });
  let etag = multipartEtag(requested.map((p) => p.etag));
  const sizes = requested.map((p) => stored.get(p.n)!.size);
  const joined = requested.map((p, i) => ({ n: p.n, size: sizes[i]! }));
  const finish = completion(ctx, record.metadata, xml, joined, record.native === undefined);
  let written: string;
  let versionId: string | undefined;
  if (record.native) {
    const parts = requested.map((p) => ({ partNumber: p.n, etag: p.etag }));
    etag = (await completeNative(bucket, record, parts, writeConditions(ctx), ctx.signal)).etag;
    written = etag;
  } else {
    const body = assemble
      ? assembleSealedParts(
          bucket.base,
          requested.map((p, i) => ({ key: partKey(id, p.n), n: p.n, etag: p.etag, size: sizes[i]! })),
          ctx.signal,
        )
      : concatenate(
          bucket.port,
          requested.map((p) => partKey(id, p.n)),
          ctx.signal,
        );
    const total = sizes.reduce((n, s) => n + s, 0);
    const sealed = assemble
      ? assembledMetadata(
          total,
          id,
          requested.map((p) => p.n),
        )
      : {};
    const put = await conditionalPut(
      bucket,
      key,
      finish.tap(body),
      {
        metadata: {
          ...record.metadata,
          ...partsMetadata(sizes),
          ...finish.metadata,
          ...sealed,
          [ETAG_META]: etag,
        },
        signal: ctx.signal,
        ...(record.contentType ? { contentType: record.contentType } : {}),
      },
      writeConditions(ctx),
    );
    written = put.etag;
    versionId = put.versionId;
  }
  const checksum = await finish.finish(bucket.base, written);
  await removeUpload(bucket.port, id);
  if (versionId !== undefined) ctx.res.setHeader('x-amz-version-id', versionId);
  sendCompleted(ctx, bucket, key, etag, checksum);
  const size = sizes.reduce((n, s) => n + s, 0);
  notify(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', { key, size, etag });
}

/**
 * The parts a CompleteMultipartUpload document lists: ascending part numbers, and a number listed again
 * replaces its earlier entry.
 */
function requestedParts(xml: string): Array<{ n: number; etag: string }> {
  const root = parseXml(xml);
  if (root.name !== 'CompleteMultipartUpload') {
    throw s3Error('MalformedXML', 400, 'the body must be a CompleteMultipartUpload document');
  }
  const listed = childrenNamed(root, 'Part').map((p) => ({
    n: Number(childText(p, 'PartNumber')),
    etag: (childText(p, 'ETag') ?? '').trim().replace(/^"|"$/g, ''),
  }));
  if (listed.length === 0) throw s3Error('MalformedXML', 400, 'You must specify at least one part');
  const requested: typeof listed = [];
  for (const part of listed) {
    const previous = requested.at(-1)?.n ?? 0;
    if (!Number.isInteger(part.n) || part.n < previous) {
      throw s3Error(
        'InvalidPartOrder',
        400,
        'The list of parts was not in ascending order. Parts must be ordered by part number.',
      );
    }
    if (part.n === previous) requested.pop();
    requested.push(part);
  }
  return requested;
}

function sendCompleted(
  ctx: RequestContext,
  bucket: ServedBucket,
  key: string,
  etag: string,
  checksum?: StoredChecksum,
): void {
  sendXml(
    ctx.res,
    toXml('CompleteMultipartUploadResult', {
      Location: `/${bucket.name}/${encodeURIComponent(key)}`,
      Bucket: bucket.name,
      Key: key,
      ETag: quoted(etag),
      ...(checksum
        ? { [checksumElement(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type }
        : {}),
    }),
  );
}

/** AbortMultipartUpload: removes the parts and the upload. */
export async function abortUpload(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const key = assertClientKey(ctx.target.key);
  const id = ctx.target.query.get('uploadId') ?? '';
  const record = await readUpload(bucket.base, id, key, ctx.signal);
  if (record.native) await abortNative(bucket, record, ctx.signal);
  await removeUpload(bucket.port, id);
  send(ctx.res, 204);
}
