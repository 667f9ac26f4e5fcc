import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { log } from '../logger.js';
import { authenticateRequest, type Credentials, secretLookup } from './auth.js';
import { applyCors } from './bucket-cors.js';
import { answerClientError, answerConnect } from './client-error.js';
import type { RequestContext } from './context.js';
import { type Gateway, type GatewayOptions, resolveLimits } from './gateway-options.js';
import { type Directory, directory } from './identity/index.js';
import { lifecycleSweeper } from './lifecycle/index.js';
import { createNotifier } from './notifier.js';
import { browserUploadBoundary, readBrowserUpload } from './post/index.js';
import { answerError } from './request-error.js';
import { resolveTarget } from './route.js';
import { route, routeBrowserUpload } from './router.js';
import { s3Error, toS3Error } from './s3-errors.js';
import { keyring } from './sse/index.js';

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
      await answerError(req, res, reply, requestId);
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
