/**
 * POST Object (browser uploads): an HTML form posted to the bucket's URL, authorized by a signed
 * policy instead of a signed request. The form's fields become the request's headers, its file the
 * body, and the object is written as PutObject writes it (ACLs, policies, encryption, versioning).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Authenticated } from '../auth.js';
import type { RequestContext, ServedBucket } from '../context.js';
import { quoted, send } from '../http.js';
import { tagsFromXml } from '../meta/index.js';
import type { Target } from '../route.js';
import { s3Error } from '../s3-errors.js';
import { escapeXml } from '../xml.js';
import { formBoundary, readPostForm } from './form.js';
import { type PostAuthOptions, verifyPostPolicy } from './policy.js';

/** What precedes the file may be at most this large, as S3 allows. */
export const MAX_FIELD_BYTES = 20 * 1024;

/** A browser upload after its form's fields are read and its policy verified. */
export interface BrowserUpload {
  auth: Authenticated;
  fields: Map<string, string>;
  key: string;
}

/**
 * The form boundary when a request is a browser upload: a POST of multipart/form-data to a bucket,
 * with no key and no sub-resource.
 *
 * @example
 * ```ts
 * if (browserUploadBoundary(req, target)) upload = await readBrowserUpload(req, target, options);
 * ```
 */
export function browserUploadBoundary(req: IncomingMessage, target: Target): string | undefined {
  if (req.method !== 'POST' || target.bucket === undefined || target.key !== undefined) return undefined;
  if (target.query.size > 0) return undefined;
  return formBoundary(String(req.headers['content-type'] ?? ''));
}

const lengthError = (size: number, range: { min: number; max: number }) =>
  size > range.max
    ? s3Error(
        'EntityTooLarge',
        400,
        `Your proposed upload exceeds the maximum allowed size (${range.max} bytes)`,
      )
    : s3Error(
        'EntityTooSmall',
        400,
        `Your proposed upload is smaller than the minimum allowed size (${range.min} bytes)`,
      );

async function* limited(body: AsyncIterable<Uint8Array>, range: { min: number; max: number } | undefined) {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (range && size > range.max) throw lengthError(size, range);
    yield chunk;
  }
  if (range && size < range.min) throw lengthError(size, range);
}

/** Form fields that become request headers of the same name. */
const HEADER_FIELDS =
  /^(content-type|cache-control|content-disposition|content-encoding|expires|x-amz-meta-.+|x-amz-server-side-encryption.*|x-amz-storage-class|x-amz-website-redirect-location|x-amz-object-lock-.+|x-amz-grant-.+)$/;

function headersOf(fields: Map<string, string>, original: IncomingHttpHeaders): IncomingHttpHeaders {
  // the form's length stays: an error answer drains a small form before it replies
  const { host, 'content-length': length } = original;
  const headers: IncomingHttpHeaders = {
    ...(host ? { host } : {}),
    ...(length ? { 'content-length': length } : {}),
  };
  for (const [name, value] of fields) if (HEADER_FIELDS.test(name)) headers[name] = value;
  const acl = fields.get('acl');
  if (acl !== undefined) headers['x-amz-acl'] = acl;
  const tagging = fields.get('tagging');
  if (tagging !== undefined) {
    headers['x-amz-tagging'] = new URLSearchParams(
      tagsFromXml(tagging, 10).map((t) => [t.key, t.value]),
    ).toString();
  }
  return headers;
}

/**
 * Reads a browser upload's fields up to its file and verifies its policy and signature. The request's
 * headers are replaced by the form's (so the write sees `Content-Type`, `x-amz-meta-*`, `acl`, ...), and
 * the returned `auth` streams the file, held to the policy's `content-length-range`.
 *
 * @example
 * ```ts
 * const upload = await readBrowserUpload(req, target, boundary, { region, secretFor, now: Date.now() });
 * ```
 */
export async function readBrowserUpload(
  req: IncomingMessage,
  target: Target,
  boundary: string,
  options: PostAuthOptions,
): Promise<BrowserUpload> {
  const form = await readPostForm(req, boundary, MAX_FIELD_BYTES);
  const field = form.fields.get('key');
  if (field === undefined || field === '') {
    throw s3Error(
      'InvalidArgument',
      400,
      "Bucket POST must contain a field named 'key'. If it is specified, please check the order of the fields.",
    );
  }
  const filename = (form.file.filename ?? '').split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder for the file's name
  const key = field.replaceAll('${filename}', filename);
  const fields = new Map(form.fields).set('key', key);
  const grant = verifyPostPolicy(fields, target.bucket!, options);
  req.headers = headersOf(fields, req.headers);
  return {
    fields,
    key,
    auth: {
      accessKeyId: grant.accessKeyId,
      decodedLength: undefined,
      payload: () => limited(form.file.body, grant.length),
      checksums: () => ({}),
    },
  };
}

/** Where the object can be read, for the `Location` of the answer. */
function objectUrl(ctx: RequestContext, bucket: string, key: string): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/${encodeURIComponent(bucket)}/${path}`;
}

/**
 * Answers a stored browser upload as S3 does: a 303 to `success_action_redirect` (or `redirect`) with
 * bucket, key and ETag in its query; else `success_action_status` 200 or 204 (default) with no body, or
 * 201 with a PostResponse document.
 *
 * @example
 * ```ts
 * answerUpload(ctx, upload, bucket, await storeObject(ctx, bucket));
 * ```
 */
export function answerUpload(
  ctx: RequestContext,
  upload: BrowserUpload,
  bucket: ServedBucket,
  result: { etag: string; versionId?: string },
): void {
  const etag = quoted(result.etag);
  const location = objectUrl(ctx, bucket.name, upload.key);
  const common = { etag, location, ...(result.versionId ? { 'x-amz-version-id': result.versionId } : {}) };
  const redirect = upload.fields.get('success_action_redirect') ?? upload.fields.get('redirect');
  if (redirect && /^https?:\/\//i.test(redirect)) {
    const query = new URLSearchParams({ bucket: bucket.name, key: upload.key, etag }).toString();
    send(ctx.res, 303, { ...common, location: `${redirect}${redirect.includes('?') ? '&' : '?'}${query}` });
    return;
  }
  const status = upload.fields.get('success_action_status');
  if (status === '201') {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket.name)}</Bucket><Key>${escapeXml(upload.key)}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`;
    send(ctx.res, 201, { ...common, 'content-type': 'application/xml' }, body);
    return;
  }
  send(ctx.res, status === '200' ? 200 : 204, common);
}
