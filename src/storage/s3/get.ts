import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { GetOptions, GetResult } from '../contract/port.js';
import { normalizeEtag } from '../contract/validate.js';
import { checkGetArgs, toGetResult } from '../wire/get-answer.js';

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
