/**
 * bucketkit/gateway/sigv4 — AWS Signature Version 4 verification and request-body integrity for the
 * gateway: header auth, presigned URLs, signed and unsigned payloads, aws-chunked streaming with chunk
 * signatures and checksum trailers, Content-MD5 and `x-amz-checksum-*`. Node-only (node:crypto).
 *
 * @example
 * ```ts
 * import { authenticate } from './sigv4/index.js';
 * const auth = await authenticate(
 *   { method: req.method!, url: req.url!, headers: req.headers },
 *   { region: 'us-east-1', secretFor: (id) => keys.get(id) },
 * );
 * await port.put(key, auth.payload(req)); // throws before completing if any hash or signature is wrong
 * res.setHeader('etag', etag);
 * for (const [name, value] of Object.entries(auth.checksums())) res.setHeader(name, value);
 * ```
 */

/**
 * How requests are verified.
 *
 * @example
 * ```ts
 * const options: SigV4Options = { region: 'us-east-1', secretFor: (id) => (id === 'AK' ? 'SECRET' : undefined) };
 * ```
 */
export interface SigV4Options {
  region: string;
  /** The secret key for an access key id, or undefined when the id is unknown. */
  secretFor(accessKeyId: string): string | undefined;
  /** Accept requests without any signature (accessKeyId undefined). Default false. */
  allowAnonymous?: boolean;
  /** Accept Signature Version 2 Authorization headers (`AWS key:signature`). Default false. */
  signatureV2?: boolean;
  /** Clock for tests, ms since epoch. Default Date.now. */
  now?: () => number;
  /** Allowed clock skew, default 15 minutes. */
  clockSkewMs?: number;
}

/**
 * The part of an HTTP request that is signed.
 *
 * @example
 * ```ts
 * const head: RequestHead = { method: req.method!, url: req.url!, headers: req.headers };
 * ```
 */
export interface RequestHead {
  method: string;
  /** The raw request target as received (path and query, still percent-encoded), e.g. '/bucket/a%20b?uploads'. */
  url: string;
  /** node's IncomingHttpHeaders (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /**
   * Where the server routed the request. Signature Version 2 signs `/bucket/key`, so its signature is
   * checked against this resource only. Default: path style, the first path segment is the bucket.
   */
  routed?: RoutedResource;
}

/**
 * The bucket and key a server chose for a request: `rawKey` is the key as it appears in the path,
 * still %-encoded.
 *
 * @example
 * ```ts
 * const routed: RoutedResource = { bucket: 'photos', key: 'a b.jpg', rawKey: 'a%20b.jpg' };
 * ```
 */
export interface RoutedResource {
  bucket: string | undefined;
  key: string | undefined;
  rawKey: string | undefined;
}

/**
 * A verified request: who sent it and how to read its body.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * for await (const chunk of auth.payload(req)) chunks.push(chunk);
 * auth.checksums(); // { 'x-amz-checksum-crc32': '...' }
 * ```
 */
export interface Authenticated {
  /** The caller's access key id; undefined for an anonymous request. */
  accessKeyId: string | undefined;
  /** The payload length after any aws-chunked framing is removed, when the request says it. */
  decodedLength: number | undefined;
  /**
   * Wraps the raw request body and yields the payload bytes (aws-chunked framing removed). It verifies,
   * as the bytes stream: the signed x-amz-content-sha256, every chunk signature of
   * STREAMING-AWS4-HMAC-SHA256-PAYLOAD (and -TRAILER), the trailer checksums of
   * STREAMING-UNSIGNED-PAYLOAD-TRAILER, Content-MD5, and any x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}
   * header. A mismatch throws before the iteration completes (after the last byte), so a port that writes
   * atomically never commits a bad body. Never holds the whole body in memory.
   */
  payload(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
  /** After payload() is fully consumed: the verified checksums to echo back, e.g. { 'x-amz-checksum-crc32': 'AAAAAA==' }. */
  checksums(): Record<string, string>;
}

export { authenticate } from './authenticate.js';
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  type Checksummer,
  checksumAlgorithmOf,
  createChecksum,
} from './checksums.js';
export { AwsChunkedDecoder, type ChunkedOptions } from './chunked.js';
export { MAX_PRESIGN_SECONDS } from './credential.js';
export { S3_ERRORS, type S3ErrorCode, s3Error } from './s3-error.js';
export { hmacHex, sameSignature, signingKey } from './signing.js';
