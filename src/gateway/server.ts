import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { log } from '../logger.js';
import { authenticateRequest, type Credentials, secretLookup } from './auth.js';
import { applyCors } from './bucket-cors.js';
import type { BucketProvider } from './buckets.js';
import { answerClientError, answerConnect } from './client-error.js';
import type { GatewayLimits, RequestContext, ResolvedLimits } from './context.js';
import type { CorsOptions } from './cors.js';
import { drainSmallBody } from './drain.js';
import { send } from './http.js';
import { type Directory, directory, type GatewayUser } from './identity/index.js';
import { type LifecycleReport, lifecycleSweeper } from './lifecycle/index.js';
import { createNotifier } from './notifier.js';
import { browserUploadBoundary, readBrowserUpload } from './post/index.js';
import { resolveTarget } from './route.js';
import { route, routeBrowserUpload } from './router.js';
import { s3Error, toS3Error } from './s3-errors.js';
import { type EncryptionOptions, keyring } from './sse/index.js';
import { toXml } from './xml.js';

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

function resolveLimits(limits: GatewayLimits = {}): ResolvedLimits {
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

/**
 * An S3-compatible server over any storage ports: SigV4-checked, streaming, with S3 error XML.
 *
 * @example
 * ```ts
 * const gateway = createGateway({
 *   buckets: folderBuckets('./data'),
 *   credentials: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }],
 * });
 * const { endpoint, close } = await gateway.listen(9000);
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  const limits = resolveLimits(options.limits);
  const region = options.region ?? 'us-east-1';
  const hostSuffixes = options.hostSuffixes ?? [];
  const users = options.users ? directory(options.users) : undefined;
  const authOptions = {
    region,
    credentials: users ? withUserKeys(users, options.credentials) : options.credentials,
    ...(options.allowAnonymous || users ? { allowAnonymous: true } : {}),
    ...(options.signatureV2 ? { signatureV2: true } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const secretFor = secretLookup(authOptions.credentials);
  const notificationTargets = options.notificationTargets ?? {};
  const notifier =
    Object.keys(notificationTargets).length > 0
      ? createNotifier({ targets: notificationTargets, region })
      : undefined;
  const keys = keyring(options.encryption);
  const expectsContinue = new WeakSet<IncomingMessage>();
  // request ids: unique per gateway (random prefix) and cheap per request (a counter)
  const idPrefix = randomBytes(4).toString('hex').toUpperCase();
  let requests = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.host === undefined && req.httpVersionMinor >= 1) {
      throw s3Error('InvalidRequest', 400, 'an HTTP/1.1 request needs a Host header');
    }
    const target = resolveTarget(req.url ?? '/', req.headers.host, hostSuffixes);
    if (await applyCors(options.cors, options.buckets, req, res, target)) return;
    const boundary = browserUploadBoundary(req, target);
    const upload = boundary
      ? await readBrowserUpload(req, target, boundary, {
          region,
          secretFor,
          now: (options.now ?? Date.now)(),
        })
      : undefined;
    if (upload && upload.auth.accessKeyId === undefined && !authOptions.allowAnonymous) {
      throw s3Error('AccessDenied', 403, 'Anonymous uploads are not allowed; sign the form with a policy');
    }
    const auth = upload ? upload.auth : await authenticateRequest(req, authOptions, target);
    // `Expect: 100-continue`: the client sends its body only after this, so only an authenticated one
    if (expectsContinue.has(req)) res.writeContinue();
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
    };
    res.once('close', onClose);
    const ctx: RequestContext = {
      req,
      res,
      target,
      auth,
      buckets: options.buckets,
      limits,
      region,
      signal: controller.signal,
      owner: auth.accessKeyId ?? 'anonymous',
      ...(users ? callerOf(users, auth.accessKeyId) : {}),
      notificationTargets,
      notifier,
      keyring: keys,
    };
    await (upload ? routeBrowserUpload(ctx, upload) : route(ctx));
  }

  const nextRequestId = () =>
    idPrefix + (requests++ % 0x100000000).toString(16).toUpperCase().padStart(8, '0');

  function handler(req: IncomingMessage, res: ServerResponse): void {
    const started = options.logger ? performance.now() : 0;
    const requestId = nextRequestId();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('server', 'bucketkit');
    let code: string | undefined;
    const handled = handle(req, res).catch(async (err: unknown) => {
      const reply = toS3Error(err);
      code = reply.code;
      if (reply.status >= 500) log('error', 'gateway', `${req.method} ${req.url} failed`, { error: err });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A small unread body is read first, so the client is not reset while it still sends (it would see
      // ECONNRESET instead of our answer); a large one closes the connection rather than being read.
      if (!req.complete && (await drainSmallBody(req))) res.setHeader('connection', 'close');
      const body =
        req.method === 'HEAD'
          ? undefined
          : toXml(
              'Error',
              {
                Code: reply.code,
                Message: reply.message,
                ...(reply.key !== undefined ? { Key: reply.key } : {}),
                ...(reply.bucket !== undefined ? { BucketName: reply.bucket } : {}),
                Resource: (req.url ?? '/').split('?')[0],
                RequestId: requestId,
              },
              null,
            );
      send(res, reply.status, body === undefined ? {} : { 'content-type': 'application/xml' }, body);
      if (!req.complete) req.resume();
    });
    const logger = options.logger;
    if (logger) {
      void handled.finally(() => {
        logger({
          method: req.method ?? '',
          url: req.url ?? '',
          status: res.statusCode,
          ms: performance.now() - started,
          ...(code ? { code } : {}),
        });
      });
    }
  }

  const sweeper = lifecycleSweeper(options.buckets, options.lifecycle);
  return {
    handler,
    sweepLifecycle: () => sweeper.runOnce(),
    listen(port = 0, host = '127.0.0.1') {
      const serverOptions = {
        maxHeaderSize: limits.maxHeaderSize,
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        keepAliveTimeout: 5_000,
        // the handler answers a missing Host with an S3 error rather than node's bare 400
        requireHostHeader: false,
      };
      const server: Server = options.tls
        ? createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler)
        : createServer(serverOptions, handler);
      server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
      server.on('clientError', (err, socket) => answerClientError(err, socket, nextRequestId()));
      server.on('connect', (req, socket) => answerConnect(req, socket, nextRequestId()));
      // node would send 100 Continue before the handler runs, and 417 for any other Expect value
      server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
        expectsContinue.add(req);
        handler(req, res);
      });
      server.on('checkExpectation', handler);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          sweeper.start();
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({
            endpoint: `${options.tls ? 'https' : 'http'}://${shown}:${address.port}`,
            server,
            close: () =>
              new Promise<void>((done) => {
                notifier?.close();
                sweeper.stop();
                server.close(() => done());
                server.closeIdleConnections();
              }),
          });
        });
      });
    },
  };
}

/** The secret lookup when there are users: their keys, then the plain `credentials` (the first user's). */
function withUserKeys(users: Directory, credentials: Credentials): Credentials {
  const plain =
    typeof credentials === 'function'
      ? credentials
      : (id: string) => credentials.find((c) => c.accessKeyId === id)?.secretAccessKey;
  return (id) => users.secretFor(id) ?? plain(id);
}

function callerOf(users: Directory, accessKeyId: string | undefined) {
  const caller = accessKeyId === undefined ? undefined : (users.byKey(accessKeyId) ?? users.admin);
  return { users, caller, owner: caller?.id ?? 'anonymous' };
}
