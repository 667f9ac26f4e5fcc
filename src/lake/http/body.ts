/** Reads a request body whole, up to a limit (the lake endpoints take small JSON documents). */
import type { IncomingMessage } from 'node:http';
import { bkError } from '../../errors.js';

/**
 * The body as text, or `InvalidArgument` with `details.status` 413 past `limit` bytes (the rest of the
 * body is then discarded, not buffered).
 *
 * @example
 * ```ts
 * const text = await readBody(req, 1024 * 1024);
 * ```
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  hint = 'send fewer events per request',
): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit, hint);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // past the limit the rest is read and dropped: the socket stays usable for the 413
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw tooLarge(limit, hint);
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(limit: number, hint: string) {
  return bkError('InvalidArgument', `the body is larger than ${limit} bytes; ${hint}`, {
    details: { status: 413 },
  });
}
