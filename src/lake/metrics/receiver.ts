/**
 * The OTLP/HTTP metrics receiver (node only): `POST /v1/metrics` with an `ExportMetricsServiceRequest` as
 * protobuf (`application/x-protobuf`) or JSON (`application/json`), optionally `Content-Encoding: gzip`.
 * A request is decoded whole first (a malformed one is a 400 and writes nothing), then stored as a raw
 * object named by its content's hash and ingested through the same path as any file; the 200 comes only
 * after both, so an acknowledged batch is in the lake, and a client retrying a batch it got no answer for
 * writes the same object, which ingest takes once. More concurrent requests than `maxInFlight` get 503 with
 * `Retry-After`, which OTLP exporters retry.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { LakeRoute } from '../http/server.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { ingestMetricsObject } from './ingest.js';
import { decodeOtlpMetricsJsonRequest } from './otlp-json.js';
import { decodeOtlpMetricsRequest } from './otlp-protobuf.js';
import { decodeRemoteWrite } from './remote-write.js';

export interface OtlpMetricsReceiverOptions {
  /** The org a request's metrics belong to (a fixed org, or one chosen per request, e.g. from a header). */
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

/**
 * The `/v1/metrics` route for `createLakeServer`.
 *
 * @example
 * ```ts
 * const server = createLakeServer([otlpMetricsRoute(port, { org: 'acme' })]);
 * await server.listen(4318);
 * ```
 */
export function otlpMetricsRoute(port: StoragePort, options: OtlpMetricsReceiverOptions): LakeRoute {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxDecoded = options.maxDecodedBytes ?? 64 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 4;
  let inFlight = 0;
  return {
    path: '/v1/metrics',
    methods: ['POST'],
    async handler(req, res) {
      const json = (req.headers['content-type'] ?? '').includes('json');
      if (inFlight >= maxInFlight) {
        req.resume();
        answer(res, json, 503, 'the lake is busy; retry later', {
          'retry-after': String(options.retryAfterSeconds ?? 1),
        });
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
          if (json) [...decodeOtlpMetricsJsonRequest(JSON.parse(new TextDecoder().decode(body)), 'request')];
          else [...decodeOtlpMetricsRequest(body, 'request')];
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          answer(res, json, 400, `not an ExportMetricsServiceRequest: ${message}`);
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
        const key = `otel-raw/${org}/${collector}/metrics_${hash}.${json ? 'json' : 'binpb'}${gzipped ? '.gz' : ''}`;
        await port.put(key, received, { contentType: json ? 'application/json' : 'application/x-protobuf' });
        await ingestMetricsObject(port, key, {
          org,
          collector,
          zstd: options.zstd,
          singleWriter: options.singleWriter,
        });
        answer(res, json, 200);
      } catch (err) {
        // storage trouble: nothing was acknowledged, the client's retry is safe
        const retryable = !BucketkitError.is(err) || err.details.retryable !== false;
        answer(res, json, retryable ? 503 : 500, err instanceof Error ? err.message : String(err), {
          'retry-after': String(options.retryAfterSeconds ?? 1),
        });
      } finally {
        inFlight--;
      }
    },
  };
}

const SAFE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** The body's bytes, or undefined past `limit` (the rest is read and dropped, so the socket stays usable). */
async function readBytes(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : new Uint8Array(Buffer.concat(chunks));
}

/** An OTLP answer: an empty `ExportMetricsServiceResponse`, or a `Status` with the message on errors. */
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

/**
 * The Prometheus remote-write route (`POST /api/v1/write`, snappy-compressed `WriteRequest`): the same
 * contract as {@link otlpMetricsRoute} — decoded first (400 and nothing written when malformed, which
 * Prometheus does not retry), stored as `…/metrics_{sha256}.prw` and ingested before the 204, 503 with
 * `Retry-After` when busy (Prometheus retries 5xx).
 *
 * @example
 * ```ts
 * const server = createLakeServer([remoteWriteRoute(port, { org: 'acme' })]);
 * ```
 */
export function remoteWriteRoute(port: StoragePort, options: OtlpMetricsReceiverOptions): LakeRoute {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxDecoded = options.maxDecodedBytes ?? 64 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 4;
  const retryAfter = { 'retry-after': String(options.retryAfterSeconds ?? 1) };
  let inFlight = 0;
  const text = (
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) => {
    if (res.headersSent) return void res.end();
    res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  };
  return {
    path: '/api/v1/write',
    methods: ['POST'],
    async handler(req, res) {
      if (inFlight >= maxInFlight) {
        req.resume();
        text(res, 503, 'the lake is busy; retry later', retryAfter);
        return;
      }
      inFlight++;
      try {
        const body = await readBytes(req, maxBody);
        if (body === undefined) return text(res, 413, `the body is larger than ${maxBody} bytes`);
        try {
          [...decodeRemoteWrite(body, 'request', maxDecoded)];
        } catch (err) {
          return text(
            res,
            400,
            `not a snappy-compressed WriteRequest: ${err instanceof Error ? err.message : err}`,
          );
        }
        const org = typeof options.org === 'function' ? options.org(req) : options.org;
        const collector = options.collector ?? 'remote-write';
        if (!SAFE_NAME.test(org) || !SAFE_NAME.test(collector)) {
          return text(res, 400, 'the org and collector must be letters, digits, dots, dashes or underscores');
        }
        const hash = createHash('sha256').update(body).digest('hex').slice(0, 32);
        const key = `otel-raw/${org}/${collector}/metrics_${hash}.prw`;
        await port.put(key, body, { contentType: 'application/x-protobuf' });
        await ingestMetricsObject(port, key, {
          org,
          collector,
          zstd: options.zstd,
          singleWriter: options.singleWriter,
        });
        res.writeHead(204);
        res.end();
      } catch (err) {
        text(res, 503, err instanceof Error ? err.message : String(err), retryAfter);
      } finally {
        inFlight--;
      }
    },
  };
}
