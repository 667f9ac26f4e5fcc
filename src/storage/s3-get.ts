import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bkError } from '../errors.js';
import { getResult, readAll, sliceStream } from './body.js';
import type { GetOptions, GetResult, ObjectInfo } from './port.js';
import { assertValidKey, normalizeEtag, resolveRange } from './validate.js';

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
  assertValidKey(key);
  const range = options.range;
  if (
    range &&
    (!Number.isSafeInteger(range.start) || range.start < 0 || (range.end ?? range.start) < range.start)
  ) {
    throw bkError('InvalidArgument', `invalid range ${range.start}-${range.end ?? ''}`, {
      details: { key },
    });
  }
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
    const total = Number(out.ContentRange?.split('/')[1] ?? out.ContentLength);
    const info: ObjectInfo = {
      key,
      size: total,
      etag: normalizeEtag(out.ETag),
      lastModified: out.LastModified ?? new Date(0),
      metadata: out.Metadata ?? {},
      ...(out.ContentType ? { contentType: out.ContentType } : {}),
    };
    const sdkBody = out.Body;
    const stream = () =>
      sdkBody
        ? (sdkBody.transformToWebStream() as ReadableStream<Uint8Array>)
        : new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    // whole reads skip the web stream: transformToByteArray joins the socket's chunks once
    const whole = {
      stream,
      bytes: async () => (sdkBody ? sdkBody.transformToByteArray() : new Uint8Array(0)),
    };
    if (!range) return getResult(info, whole);
    const body = stream();
    let wanted: { start: number; end: number };
    try {
      wanted = resolveRange(range, total, key);
    } catch (err) {
      await body.cancel().catch(() => {});
      throw err;
    }
    // Trust but verify: some servers ignore Range, or widen it (s3rver sends the whole object for
    // bytes=0-0 with a matching Content-Range). Cut what was sent down to what was asked.
    const sent = /bytes (\d+)-(\d+)\//.exec(out.ContentRange ?? '');
    const sentStart = sent ? Number(sent[1]) : 0;
    const sentEnd = sent ? Number(sent[2]) : total - 1;
    if (sentStart === wanted.start && sentEnd === wanted.end) {
      return getResult(info, { stream: () => body, bytes: () => readAll(body) }, wanted);
    }
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
  } catch (err) {
    return fail(err, 'GetObject');
  }
}
