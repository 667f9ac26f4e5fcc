/**
 * The OTLP/HTTP traces receiver (node only): `POST /v1/traces`, the shared OTLP route (protobuf or JSON,
 * gzip, acknowledged only once stored and ingested, 503 with Retry-After when busy).
 */

import type { StoragePort } from '../../storage/index.js';
import { type OtlpReceiverOptions, otlpRoute } from '../http/otlp-route.js';
import type { LakeRoute } from '../http/server.js';
import { ingestTracesObject } from './ingest.js';
import { decodeOtlpTracesJsonRequest } from './otlp-json.js';
import { decodeOtlpTracesRequest } from './otlp-protobuf.js';

/**
 * The `/v1/traces` route for `createLakeServer`.
 *
 * @example
 * ```ts
 * const server = createLakeServer([otlpTracesRoute(port, { org: 'acme' })]);
 * await server.listen(4318);
 * ```
 */
export function otlpTracesRoute(port: StoragePort, options: OtlpReceiverOptions): LakeRoute {
  return otlpRoute(port, options, {
    name: 'traces',
    request: 'ExportTraceServiceRequest',
    check(body, json) {
      if (json) [...decodeOtlpTracesJsonRequest(JSON.parse(new TextDecoder().decode(body)), 'request')];
      else [...decodeOtlpTracesRequest(body, 'request')];
    },
    ingest: (key, at) =>
      ingestTracesObject(port, key, { ...at, zstd: options.zstd, singleWriter: options.singleWriter }),
  });
}
