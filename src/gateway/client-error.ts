import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { toXml } from './xml.js';

/** What node's HTTP parser reports, as an S3 client should see it: status, code, message. */
function answerFor(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [
      431,
      'RequestHeaderSectionTooLarge',
      'Your request header section exceeds the maximum allowed size.',
    ];
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADER_TIMEOUT') {
    return [
      400,
      'RequestTimeout',
      'Your socket connection to the server was not read from or written to within the timeout period.',
    ];
  }
  return [
    400,
    'BadRequest',
    'The request is not valid HTTP/1.1 (request line, header, Content-Length or chunked framing); fix the client or the proxy in front of it',
  ];
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
};

/** Writes one S3 error answer straight to a socket and closes it (no ServerResponse exists for it). */
function writeRawError(
  socket: Duplex,
  status: number,
  code: string,
  message: string,
  requestId: string,
): void {
  const body = toXml('Error', { Code: code, Message: message, RequestId: requestId }, null);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      'content-type: application/xml\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-amz-request-id: ${requestId}\r\n` +
      'server: bucketkit\r\n' +
      'connection: close\r\n\r\n' +
      body,
  );
}

/**
 * The `clientError` listener: a request node's parser refuses (bad Content-Length or chunked framing,
 * headers over the limit, an unknown method, a header timeout) gets an S3 XML error instead of node's
 * bare status line. When an earlier request on the socket is still being answered, the error follows
 * its answer.
 *
 * @example
 * ```ts
 * server.on('clientError', (err, socket) => answerClientError(err, socket, nextRequestId()));
 * ```
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, requestId: string): void {
  // node's own default handler makes the same check: the response being written on this socket, if any
  const current = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  const [status, code, message] = answerFor(err.code);
  const answer = () => {
    if (socket.writable) writeRawError(socket, status, code, message, requestId);
    else socket.destroy();
  };
  if (err.code === 'ECONNRESET' || !socket.writable || (current && !current.req.complete)) {
    // gone, or the error is inside the body of the request in flight: that request fails with it
    socket.destroy();
  } else if (current && !current.writableFinished) {
    // a pipelined request is still being answered: answer in order, after it, so a client never
    // reads this error as the answer to the earlier request
    current.once('finish', answer);
    current.once('close', () => {
      if (!current.writableFinished) socket.destroy();
    });
  } else {
    answer();
  }
}

/**
 * The `connect` listener: S3 has no CONNECT, so a 405 MethodNotAllowed rather than a dropped socket.
 *
 * @example
 * ```ts
 * server.on('connect', (req, socket) => answerConnect(req, socket, nextRequestId()));
 * ```
 */
export function answerConnect(_req: IncomingMessage, socket: Duplex, requestId: string): void {
  socket.on('error', () => {});
  writeRawError(
    socket,
    405,
    'MethodNotAllowed',
    'The specified method is not allowed against this resource.',
    requestId,
  );
}
