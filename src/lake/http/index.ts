/**
 * bucketkit/lake/http — the lake's HTTP endpoints (node only): the storage event endpoint that turns
 * bucket notifications into ingests, and the small server the lake's endpoints mount on.
 *
 * @example
 * ```ts
 * import { openLake } from 'bucketkit/lake';
 * import { createLakeEventHandler, createLakeServer } from 'bucketkit/lake/http';
 * const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' } });
 * const server = createLakeServer([{ path: '/events', handler: createLakeEventHandler(lake) }]);
 * await server.listen(8080);
 * ```
 */

export { type OtlpMetricsReceiverOptions, otlpMetricsRoute, remoteWriteRoute } from '../metrics/receiver.js';
export { type PrometheusApiOptions, prometheusRoutes } from '../promql/api.js';
export { otlpTracesRoute } from '../traces/receiver.js';
export { readBody } from './body.js';
export {
  createLakeEventHandler,
  type EventOutcome,
  type LakeEventHandlerOptions,
} from './event-handler.js';
export { type ParsedEventBody, parseStorageEvents, type StorageObjectEvent } from './events.js';
export { type LokiApiOptions, lokiRoutes } from './loki.js';
export { defaultStep, parseLokiStep, parseLokiTime } from './loki-params.js';
export { otlpLogsRoute } from './otlp-logs-route.js';
export { type OtlpReceiverOptions, type OtlpSignal, otlpRoute } from './otlp-route.js';
export { type QueryGate, type QueryGateOptions, queryGate } from './query-gate.js';
export {
  createLakeServer,
  errorBody,
  type LakeListenOptions,
  type LakeRequestHandler,
  type LakeRoute,
  type LakeServer,
  type ListeningLakeServer,
  sendJson,
} from './server.js';
