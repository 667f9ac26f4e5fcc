/**
 * The OTLP/HTTP logs receiver (node only): `POST /v1/logs`, the shared OTLP route; a batch is stored under
 * `otel-raw/{org}/{collector}/` and ingested by the lake like any raw OTLP file.
 */
import type { StoragePort } from '../../storage/index.js';
import { decodeOtlpLogsJsonRequest } from '../ingest/otlp-logs-json.js';
import { decodeOtlpLogsRequest } from '../ingest/otlp-logs-protobuf.js';
import type { Lake } from '../lake.js';
import { type OtlpReceiverOptions, otlpRoute } from './otlp-route.js';
import type { LakeRoute } from './server.js';

/**
 * The `/v1/logs` route for `createLakeServer`; `port` must be the lake's own port.
 *
 * @example
 * ```ts
 * const server = createLakeServer([otlpLogsRoute(lake, port, { org: 'acme' })]);
 * ```
 */
export function otlpLogsRoute(
  lake: Pick<Lake, 'ingest'>,
  port: StoragePort,
  options: Omit<OtlpReceiverOptions, 'zstd' | 'singleWriter'>,
): LakeRoute {
  return otlpRoute(port, options, {
    name: 'logs',
    request: 'ExportLogsServiceRequest',
    check(body, json) {
      if (json) [...decodeOtlpLogsJsonRequest(JSON.parse(new TextDecoder().decode(body)), 'request')];
      else [...decodeOtlpLogsRequest(body, 'request')];
    },
    ingest: (key) => lake.ingest(key),
  });
}
