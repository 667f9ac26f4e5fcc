/** The S3 error document a failed request is answered with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainSmallBody } from './drain.js';
import { send } from './http.js';
import type { S3ErrorReply } from './s3-errors.js';
import { toXml } from './xml.js';

/**
 * Answers a failed request with `reply` as S3's error XML (no body for HEAD), or drops the connection
 * when the head already went out (a body cut short is all a client can be told then).
 *
 * @example
 * ```ts
 * handle(req, res).catch((err) => answerError(req, res, toS3Error(err), requestId));
 * ```
 */
export async function answerError(
  req: IncomingMessage,
  res: ServerResponse,
  reply: S3ErrorReply,
  requestId: string,
): Promise<void> {
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
}
