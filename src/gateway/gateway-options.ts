/** What `createGateway` takes and returns, and the limits it applies by default. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Credentials } from './auth.js';
import type { BucketProvider } from './buckets.js';
import type { GatewayLimits, ResolvedLimits } from './context.js';
import type { CorsOptions } from './cors.js';
import type { GatewayUser } from './identity/index.js';
import type { LifecycleReport } from './lifecycle/index.js';
import type { EncryptionOptions } from './sse/index.js';

/**
 * What `createGateway` serves and how.
 *
 * @example
 * ```ts
 * const options: GatewayOptions = {
 *   buckets: folderBuckets('./data'),
 *   credentials: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }],
 *   limits: { maxObjectSize: 1024 ** 3 },
 * };
 * ```
 */
export interface GatewayOptions {
  /** A port per bucket: `folderBuckets(dir)`, `staticBuckets({ name: port })` or your own provider. */
  buckets: BucketProvider;
  /** Access keys and their secrets, or a lookup function. */
  credentials: Credentials;
  /** The region clients sign for (default `us-east-1`). */
  region?: string;
  /** Let unsigned requests through (default false). */
  allowAnonymous?: boolean;
  /**
   * Accept Signature Version 2 Authorization headers (`AWS key:signature`) from old clients (default
   * false: they are refused with InvalidRequest, as S3 regions without SigV2 answer).
   */
  signatureV2?: boolean;
  /** Browser access; off unless given. */
  cors?: CorsOptions;
  limits?: GatewayLimits;
  /** Host names under which `<bucket>.<suffix>` addresses a bucket (virtual-hosted style), e.g. `['localhost']`. */
  hostSuffixes?: readonly string[];
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Called once per request after the response is sent. */
  logger?: (entry: { method: string; url: string; status: number; ms: number; code?: string }) => void;
  /** Clock for signature checks (tests). */
  now?: () => number;
  /**
   * Where bucket notifications go: the SNS topic, SQS queue or Lambda ARNs clients may name in
   * `PutBucketNotificationConfiguration`, each mapped to an HTTP endpoint that receives the S3 event JSON
   * by POST (e.g. the lake's event endpoint). A configuration naming another ARN is refused.
   */
  notificationTargets?: Readonly<Record<string, string>>;
  /**
   * Users with ids, display names and keys: buckets and objects get owners and ACLs, enforced on every
   * request; unsigned requests are then allowed exactly where an ACL grants AllUsers. Keys in
   * `credentials` act as the first user. Without users every key may do everything.
   */
  users?: readonly GatewayUser[];
  /** Encryption at rest: master keys for SSE-S3 and SSE-KMS (SSE-C works without them). */
  encryption?: EncryptionOptions;
  /**
   * The lifecycle sweeper, which applies buckets' lifecycle rules while the gateway listens: every
   * `intervalMs` (default one hour), by `clock` (default `Date.now`).
   */
  lifecycle?: { intervalMs?: number; clock?: () => number };
}

/**
 * A running gateway.
 *
 * @example
 * ```ts
 * const { endpoint, close } = await createGateway(options).listen(0);
 * await close();
 * ```
 */
export interface ListeningGateway {
  /** `http://127.0.0.1:PORT` (or https). */
  endpoint: string;
  server: Server;
  /** Stops accepting connections, ends idle ones and waits for running requests. */
  close(): Promise<void>;
}

/**
 * A gateway before it listens: start it, or mount its handler in your own server.
 *
 * @example
 * ```ts
 * const gateway = createGateway(options);
 * http.createServer(gateway.handler).listen(9000);
 * ```
 */
export interface Gateway {
  listen(port?: number, host?: string): Promise<ListeningGateway>;
  /** Applies every bucket's lifecycle rules now (the sweeper does so every `lifecycle.intervalMs`). */
  sweepLifecycle(): Promise<LifecycleReport>;
  /** The request handler, for mounting in a server of your own. */
  handler(req: IncomingMessage, res: ServerResponse): void;
}

const MIB = 1024 * 1024;

/** The limits `limits` leaves unset, at their defaults. */
export function resolveLimits(limits: GatewayLimits = {}): ResolvedLimits {
  return {
    maxObjectSize: limits.maxObjectSize ?? 5 * 1024 * MIB,
    maxHeaderSize: limits.maxHeaderSize ?? 16 * 1024,
    idleTimeoutMs: limits.idleTimeoutMs ?? 60_000,
    headersTimeoutMs: limits.headersTimeoutMs ?? 30_000,
    requestTimeoutMs: limits.requestTimeoutMs ?? 0,
    minPartSize: limits.minPartSize ?? 5 * MIB,
    maxXmlBody: limits.maxXmlBody ?? 2 * MIB,
  };
}
