import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bkError } from '../errors.js';
import { getResult, sliceStream } from './body.js';
import type { ByteRange, GetOptions, GetResult, ObjectInfo } from './port.js';
import { assertValidKey, normalizeEtag, resolveRange } from './validate.js';

/** A GetObject answer, whichever client made it: the headers that matter and a lazily made body. */
export interface GotObject {
  info: Omit<ObjectInfo, 'size'>;
  contentRange?: string | undefined;
  contentLength?: number | undefined;
  stream: () => ReadableStream<Uint8Array>;
  /** Reads the whole body at once, skipping the web stream. */
  bytes: () => Promise<Uint8Array>;
}

/**
 * GetObject as a `GetResult`: whole reads go through the SDK's `transformToByteArray`, and a range the
 * server widened or ignored is cut down to what was asked.
 *
 * @example
 * ```ts
 * const got = await getObject(client, 'bucket', 'a.txt', { range: { start: 0, end: 9 } }, fail);
 * ```
 */
export async function getObject(
  client: S3Client,
  bucket: string,
  key: string,
  options: GetOptions,
  fail: (err: unknown, operation: string) => never,
): Promise<GetResult> {
  checkGetArgs(key, options.range);
  const range = options.range;
  try {
    const out = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        ...(options.ifMatch !== undefined ? { IfMatch: `"${options.ifMatch}"` } : {}),
      }),
      options.signal ? { abortSignal: options.signal } : undefined,
    );
    const sdkBody = out.Body;
    return await toGetResult(key, range, {
      info: {
        key,
        etag: normalizeEtag(out.ETag),
        lastModified: out.LastModified ?? new Date(0),
        metadata: out.Metadata ?? {},
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
      },
      contentRange: out.ContentRange,
      contentLength: out.ContentLength,
      stream: () =>
        sdkBody
          ? (sdkBody.transformToWebStream() as ReadableStream<Uint8Array>)
          : new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
      // whole reads skip the web stream: transformToByteArray joins the socket's chunks once
      bytes: async () => (sdkBody ? sdkBody.transformToByteArray() : new Uint8Array(0)),
    });
  } catch (err) {
    return fail(err, 'GetObject');
  }
}

/** Key and range checks done before any request. */
export function checkGetArgs(key: string, range: ByteRange | undefined): void {
  assertValidKey(key);
  if (
    range &&
    (!Number.isSafeInteger(range.start) || range.start < 0 || (range.end ?? range.start) < range.start)
  ) {
    throw bkError('InvalidArgument', `invalid range ${range.start}-${range.end ?? ''}`, {
      details: { key },
    });
  }
}

/**
 * Shapes a GetObject answer into a `GetResult` with a lazy body. Trust but verify: some servers ignore
 * Range, or widen it (s3rver sends the whole object for bytes=0-0 with a matching Content-Range), so
 * what was sent is cut down to what was asked.
 *
 * @example
 * ```ts
 * return toGetResult(key, options.range, { info, contentRange, contentLength, stream, bytes });
 * ```
 */
export async function toGetResult(
  key: string,
  range: ByteRange | undefined,
  got: GotObject,
): Promise<GetResult> {
  const total = Number(got.contentRange?.split('/')[1] ?? got.contentLength);
  const info: ObjectInfo = { ...got.info, size: total };
  if (!range) return getResult(info, { stream: got.stream, bytes: got.bytes });
  let wanted: { start: number; end: number };
  try {
    wanted = resolveRange(range, total, key);
  } catch (err) {
    await got
      .stream()
      .cancel()
      .catch(() => {});
    throw err;
  }
  const sent = /bytes (\d+)-(\d+)\//.exec(got.contentRange ?? '');
  const sentStart = sent ? Number(sent[1]) : 0;
  const sentEnd = sent ? Number(sent[2]) : total - 1;
  // the server sent exactly what was asked: whole reads of it take the same fast path as a whole object
  if (sentStart === wanted.start && sentEnd === wanted.end) {
    return getResult(info, { stream: got.stream, bytes: got.bytes }, wanted);
  }
  const body = got.stream();
  if (sentStart > wanted.start || sentEnd < wanted.end) {
    await body.cancel().catch(() => {});
    throw bkError(
      'Corrupt',
      `asked ${key} for bytes ${wanted.start}-${wanted.end}, got ${sentStart}-${sentEnd}`,
      {
        details: { key },
      },
    );
  }
  return getResult(info, sliceStream(body, wanted.start - sentStart, wanted.end - sentStart), wanted);
}
