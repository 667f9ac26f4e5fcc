import { bkError, throwIfAborted } from '../../errors.js';
import type { Body, GetResult, ObjectInfo, Progress } from './port.js';

const encoder = new TextEncoder();
// ignoreBOM: `text()` is the stored text exactly; a leading U+FEFF is kept, as `put(key, text)` wrote it
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The length of a body when it is known without reading it. */
export function knownLength(body: Body): number | undefined {
  if (typeof body === 'string') return encoder.encode(body).byteLength;
  if (body instanceof Uint8Array) return body.byteLength;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
  return undefined;
}

/**
 * Any body as an async iterable of chunks, checking `signal` between chunks and reporting progress.
 *
 * @example
 * ```ts
 * for await (const chunk of chunksOf(body, { signal })) hash.update(chunk);
 * ```
 */
export async function* chunksOf(
  body: Body,
  options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): AsyncGenerator<Uint8Array> {
  const { signal, onProgress } = options;
  const total = knownLength(body);
  let loaded = 0;
  const emit = (chunk: Uint8Array): Uint8Array => {
    loaded += chunk.byteLength;
    onProgress?.(total === undefined ? { loaded } : { loaded, total });
    return chunk;
  };
  throwIfAborted(signal);
  if (typeof body === 'string') {
    yield emit(encoder.encode(body));
    return;
  }
  if (body instanceof Uint8Array) {
    yield emit(body);
    return;
  }
  const source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> =
    typeof Blob !== 'undefined' && body instanceof Blob
      ? (body.stream() as ReadableStream<Uint8Array>)
      : (body as AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>);
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let finished = false;
    try {
      for (;;) {
        throwIfAborted(signal);
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield emit(asBytes(value));
      }
    } finally {
      // stopped early (abort, error, consumer break): tell the producer nobody reads any more
      if (!finished) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    throwIfAborted(signal);
    yield emit(asBytes(chunk));
  }
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | undefined)?.getReader === 'function';
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw bkError('InvalidArgument', 'a body stream yielded something other than bytes (Uint8Array)');
}

/** Concatenates chunks into one array. */
export function concatBytes(chunks: Uint8Array[], size?: number): Uint8Array {
  const total = size ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  if (chunks.length === 1 && chunks[0]!.byteLength === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Reads a whole stream into memory. */
export async function readAll(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of chunksOf(stream)) chunks.push(chunk);
  return concatBytes(chunks);
}

/** A body given as a stream, or made on demand with an optional faster way to read it whole. */
export type BodySource =
  | ReadableStream<Uint8Array>
  | { stream: () => ReadableStream<Uint8Array>; bytes?: () => Promise<Uint8Array> };

/**
 * A `GetResult` whose body is read once: through `body`, `bytes()` or `text()`. With a lazy source the
 * stream is only made when `body` is touched, so `bytes()` can take a faster path (e.g. the AWS SDK's
 * `transformToByteArray`, which skips a copy per chunk).
 *
 * @example
 * ```ts
 * return getResult(info, { stream: () => toWeb(node), bytes: () => collect(node) }, range);
 * ```
 */
export function getResult(
  info: ObjectInfo,
  source: BodySource,
  range?: { start: number; end: number },
): GetResult {
  const lazy = 'stream' in source && typeof source.stream === 'function' ? source : undefined;
  let stream: ReadableStream<Uint8Array> | undefined = lazy
    ? undefined
    : (source as ReadableStream<Uint8Array>);
  let taken = false;
  const body = () => {
    stream ??= lazy!.stream();
    return stream;
  };
  const bytes = async () => {
    if (taken) throw bkError('InvalidArgument', `the body of "${info.key}" was already read`);
    taken = true;
    return !stream && lazy?.bytes ? lazy.bytes() : readAll(body());
  };
  const result = {
    ...info,
    ...(range ? { range } : {}),
    bytes,
    text: async () => decoder.decode(await bytes()),
  } as GetResult;
  Object.defineProperty(result, 'body', { get: body, enumerable: true, configurable: true });
  return result;
}

/**
 * A one-chunk ReadableStream over bytes (none for an empty array).
 *
 * @example
 * ```ts
 * await port.put('hello.txt', streamOf(new TextEncoder().encode('hello')));
 * ```
 */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * The bytes `start..end` (inclusive) of a stream, cancelling the source once they are through.
 *
 * @example
 * ```ts
 * const middle = sliceStream(whole, 10, 19); // 10 bytes
 * ```
 */
export function sliceStream(
  source: ReadableStream<Uint8Array>,
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || offset > end) {
          if (!done) await reader.cancel();
          controller.close();
          return;
        }
        const from = Math.max(start - offset, 0);
        const to = Math.min(end + 1 - offset, value.byteLength);
        offset += value.byteLength;
        if (to > from) {
          controller.enqueue(value.subarray(from, to));
          return;
        }
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Pulls chunks until more than `limit` bytes have come or the source ends, so a caller can choose
 * between one request and a multipart upload without holding more than one part.
 *
 * @example
 * ```ts
 * const head = await readUpTo(chunks, 8 * 2 ** 20);
 * if (head.done) await putOnce(concatBytes(head.chunks));
 * ```
 */
export async function readUpTo(
  source: AsyncIterator<Uint8Array>,
  limit: number,
): Promise<{ chunks: Uint8Array[]; size: number; done: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await source.next();
    if (next.done) return { chunks, size, done: true };
    chunks.push(next.value);
    size += next.value.byteLength;
  }
  return { chunks, size, done: false };
}

/** Chunks already read, then the rest of the source. */
export async function* prepend(
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
