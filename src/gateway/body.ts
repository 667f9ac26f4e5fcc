import type { RequestContext } from './context.js';
import { s3Error } from './s3-errors.js';

const tooLarge = (limit: number) =>
  s3Error('EntityTooLarge', 400, `Your proposed upload exceeds the maximum allowed size of ${limit} bytes`, {
    limit,
  });

/**
 * The request's object body, unframed and verified by the signature layer, streamed chunk by chunk
 * with the size limit enforced as it goes. A client that disconnects mid-body makes it throw, so
 * the port's write fails and nothing is stored.
 *
 * @example
 * ```ts
 * await port.put(key, objectBody(ctx));
 * ```
 */
export async function* objectBody(
  ctx: RequestContext,
  limit = ctx.limits.maxObjectSize,
): AsyncGenerator<Uint8Array> {
  const declared = ctx.auth.decodedLength;
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  let seen = 0;
  for await (const chunk of ctx.auth.payload(ctx.req)) {
    seen += chunk.byteLength;
    if (seen > limit) throw tooLarge(limit);
    yield chunk;
  }
  if (!ctx.req.complete) {
    throw s3Error(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length header',
    );
  }
  if (declared !== undefined && seen !== declared) {
    throw s3Error('IncompleteBody', 400, `the body had ${seen} bytes; the request declared ${declared}`);
  }
}

/** Reads a small request body (an XML document) whole, refusing more than `limit` bytes. */
export async function smallBody(ctx: RequestContext, limit = ctx.limits.maxXmlBody): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of objectBody(ctx, limit)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stored object's body, chunk by chunk, streamed on into a request's write. The stream is cancelled
 * however the loop ends (read through, failed, or left early by the writer). `lead`, when given, runs
 * first inside that guard: it may refuse the body by throwing, and the bytes it returns come first.
 *
 * @example
 * ```ts
 * for (const key of parts) yield* storedChunks((await port.get(key, { signal })).body);
 * ```
 */
export async function* storedChunks(
  body: ReadableStream<Uint8Array>,
  lead?: () => Uint8Array,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    if (lead) yield lead();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
