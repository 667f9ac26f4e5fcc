import { bkError } from '../../errors.js';
import { getResult, sliceStream } from '../contract/body.js';
import type { ByteRange, GetResult, Metadata, ObjectInfo } from '../contract/port.js';
import { assertValidKey, normalizeEtag, resolveRange } from '../contract/validate.js';

/** A GetObject answer, whichever client made it: the headers that matter and a lazily made body. */
export interface GotObject {
  info: Omit<ObjectInfo, 'size'>;
  contentRange?: string | undefined;
  contentLength?: number | undefined;
  stream: () => ReadableStream<Uint8Array>;
  /** Reads the whole body at once, skipping the web stream. */
  bytes: () => Promise<Uint8Array>;
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

/**
 * ObjectInfo (all but the size) from an answer's headers, whichever client read them: the ETag, the
 * modification time, the content type, and metadata from `x-amz-meta-*` (lowercase names, as the SDK
 * reads them).
 *
 * @example
 * ```ts
 * const info = infoFromHeaders(key, res.headers.keys(), (name) => res.headers.get(name) ?? undefined);
 * ```
 */
export function infoFromHeaders(
  key: string,
  names: Iterable<string>,
  header: (name: string) => string | undefined,
): Omit<ObjectInfo, 'size'> {
  const metadata: Metadata = {};
  for (const name of names) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = header(name) ?? '';
  }
  const modified = header('last-modified');
  const contentType = header('content-type');
  return {
    key,
    etag: normalizeEtag(header('etag')),
    lastModified: modified ? new Date(modified) : new Date(0),
    metadata,
    ...(contentType ? { contentType } : {}),
  };
}
