/**
 * The metrics receivers (node only): OTLP/HTTP `POST /v1/metrics` (the shared OTLP route of
 * `../http/otlp-route.ts`) and Prometheus remote-write `POST /api/v1/write`, both acknowledging a batch only
 * once it is stored and ingested.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { StoragePort } from '../../storage/index.js';
import type { EngineOption } from '../engines/engine.js';
import { type OtlpReceiverOptions, otlpRoute, readBytes, SAFE_NAME } from '../http/otlp-route.js';
import { clientMessage, type LakeRoute } from '../http/server.js';
import { ingestMetricsObject } from './ingest.js';
import { decodeOtlpMetricsJsonRequest } from './otlp-json.js';
import { decodeOtlpMetricsRequest } from './otlp-protobuf.js';
import { decodeRemoteWriteSeries } from './remote-write.js';

/** The receivers' options: the OTLP receiver's (shared by every signal), and the engine writing tables. */
export interface OtlpMetricsReceiverOptions extends OtlpReceiverOptions {
  /** Default `auto` (DuckDB when installed); `lake serve` passes its lake's `loadEngine`. */
  engine?: EngineOption;
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
  return otlpRoute(port, options, {
    name: 'metrics',
    request: 'ExportMetricsServiceRequest',
    check(body, json) {
      if (json) [...decodeOtlpMetricsJsonRequest(JSON.parse(new TextDecoder().decode(body)), 'request')];
      else [...decodeOtlpMetricsRequest(body, 'request')];
    },
    ingest: (key, at) =>
      ingestMetricsObject(port, key, {
        ...at,
        zstd: options.zstd,
        singleWriter: options.singleWriter,
        ...(options.engine ? { engine: options.engine } : {}),
      }),
  });
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
          [...decodeRemoteWriteSeries(body, 'request', maxDecoded)];
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
          ...(options.engine ? { engine: options.engine } : {}),
        });
        res.writeHead(204);
        res.end();
      } catch (err) {
        text(res, 503, clientMessage(err), retryAfter);
      } finally {
        inFlight--;
      }
    },
  };
}
