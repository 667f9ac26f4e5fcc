/**
 * The OTLP/HTTP receiver every signal shares (node only): `POST /v1/{logs,metrics,traces}` with an
 * `Export*ServiceRequest` as protobuf (`application/x-protobuf`) or JSON (`application/json`), optionally
 * `Content-Encoding: gzip`. A request is decoded whole first (a malformed one is a 400 and writes
 * nothing), then stored as a raw object named by its content's hash and ingested through the same path as
 * any file; the 200 comes only after both, so an acknowledged batch is in the lake, and a client retrying
 * a batch it got no answer for writes the same object, which ingest takes once. More concurrent requests
 * than `maxInFlight` get 503 with `Retry-After`, which OTLP exporters retry.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { clientMessage, type LakeRoute } from './server.js';

export interface OtlpReceiverOptions {
  /** The org a request's data belong to (a fixed org, or one chosen per request, e.g. from a header). */
  org: string | ((req: IncomingMessage) => string);
  collector?: string;
  /** Largest request body accepted, compressed (default 16 MiB) and decompressed (default 64 MiB). */
  maxBodyBytes?: number;
  maxDecodedBytes?: number;
  /** Requests processed at once; more are answered 503 with Retry-After (default 4). */
  maxInFlight?: number;
  /** Seconds a refused client should wait (default 1). */
  retryAfterSeconds?: number;
  zstd?: ZstdCodec;
  singleWriter?: boolean;
}

/** What differs between signals: the path, the request's name, how to check a body and how to ingest. */
export interface OtlpSignal {
  /** `logs`, `metrics` or `traces`: the path is `/v1/{name}`, raw keys `…/{name}_{hash}.{binpb|json}`. */
  name: string;
  /** e.g. `ExportTraceServiceRequest`, for error messages. */
  request: string;
  /** Throws when the (decompressed) body is not a request of this signal. */
  check(body: Uint8Array, json: boolean): void;
  /** Ingests the stored raw object. */
  ingest(key: string, at: { org: string; collector: string }): Promise<unknown>;
}

/** Org and collector names that are safe as key elements. */
export const SAFE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The `/v1/{signal}` route for `createLakeServer`.
 *
 * @example
 * ```ts
 * const route = otlpRoute(port, { org: 'acme' }, { name: 'traces', request: 'ExportTraceServiceRequest', check, ingest });
 * ```
 */
export function otlpRoute(port: StoragePort, options: OtlpReceiverOptions, signal: OtlpSignal): LakeRoute {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxDecoded = options.maxDecodedBytes ?? 64 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 4;
  const retryAfter = { 'retry-after': String(options.retryAfterSeconds ?? 1) };
  let inFlight = 0;
  return {
    path: `/v1/${signal.name}`,
    methods: ['POST'],
    async handler(req, res) {
      const json = (req.headers['content-type'] ?? '').includes('json');
      if (inFlight >= maxInFlight) {
        req.resume();
        answer(res, json, 503, 'the lake is busy; retry later', retryAfter);
        return;
      }
      inFlight++;
      try {
        const received = await readBytes(req, maxBody);
        if (received === undefined) {
          answer(res, json, 413, `the body is larger than ${maxBody} bytes; send smaller batches`);
          return;
        }
        const gzipped = (req.headers['content-encoding'] ?? '').includes('gzip');
        let body: Uint8Array;
        try {
          body = gzipped ? gunzipSync(received, { maxOutputLength: maxDecoded }) : received;
        } catch {
          answer(res, json, 400, 'the body is not valid gzip or decompresses past the limit');
          return;
        }
        try {
          signal.check(body, json);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          answer(res, json, 400, `not an ${signal.request}: ${message}`);
          return;
        }
        const org = typeof options.org === 'function' ? options.org(req) : options.org;
        const collector = options.collector ?? 'otlp-http';
        if (!SAFE_NAME.test(org) || !SAFE_NAME.test(collector)) {
          answer(
            res,
            json,
            400,
            'the org and collector must be letters, digits, dots, dashes or underscores',
          );
          return;
        }
        const hash = createHash('sha256').update(body).digest('hex').slice(0, 32);
        const key = `otel-raw/${org}/${collector}/${signal.name}_${hash}.${json ? 'json' : 'binpb'}${gzipped ? '.gz' : ''}`;
        await port.put(key, received, { contentType: json ? 'application/json' : 'application/x-protobuf' });
        await signal.ingest(key, { org, collector });
        answer(res, json, 200);
      } catch (err) {
        // storage trouble: nothing was acknowledged, the client's retry is safe
        const retryable = !BucketkitError.is(err) || err.details.retryable !== false;
        answer(res, json, retryable ? 503 : 500, clientMessage(err), retryAfter);
      } finally {
        inFlight--;
      }
    },
  };
}

/** The body's bytes, or undefined past `limit` (the rest is read and dropped, so the socket stays usable). */
export async function readBytes(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : new Uint8Array(Buffer.concat(chunks));
}

/** An OTLP answer: an empty `Export*ServiceResponse`, or a `Status` with the message on errors. */
function answer(
  res: ServerResponse,
  json: boolean,
  status: number,
  message = '',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  let body: Uint8Array;
  if (json)
    body = new TextEncoder().encode(status === 200 ? '{}' : JSON.stringify({ code: status, message }));
  else body = status === 200 ? new Uint8Array(0) : statusMessage(message);
  res.writeHead(status, {
    ...headers,
    'content-type': json ? 'application/json' : 'application/x-protobuf',
    'content-length': body.byteLength,
  });
  res.end(body);
}

/** `google.rpc.Status` with only `message` (field 2) set. */
function statusMessage(message: string): Uint8Array {
  const text = new TextEncoder().encode(message.slice(0, 1000));
  const length: number[] = [];
  let n = text.byteLength;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return Uint8Array.from([0x12, ...length, ...text]);
}
