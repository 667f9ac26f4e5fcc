import { bkError } from '../../errors.js';
import { ProtoReader, WIRE } from './wire.js';

/** The largest top-level message (one `ResourceLogs`) read into memory by default: 64 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** One top-level field of a message read from a stream: its field number and a reader over its bytes. */
export interface Frame {
  readonly field: number;
  readonly reader: ProtoReader;
}

/**
 * Splits a protobuf message arriving as a stream of chunks into its top-level length-delimited fields
 * (for `ExportLogsServiceRequest`, one `ResourceLogs` each), so a file of any size is decoded holding one
 * field at a time. Fields other than `fields` are skipped as they stream by. A field longer than
 * `maxFrameBytes`, a header that does not parse, or an end in the middle of a field is `Corrupt`.
 *
 * @example
 * ```ts
 * for await (const { reader } of protobufFrames(chunks, 'logs.binpb', [1])) decodeResourceLogs(reader);
 * ```
 */
export async function* protobufFrames(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  fields: readonly number[],
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): AsyncGenerator<Frame> {
  const queue = new ChunkQueue();
  const iterator = chunks[Symbol.asyncIterator]();
  let ended = false;
  const fill = async (wanted: number) => {
    while (!ended && queue.size < wanted) {
      const next = await iterator.next();
      if (next.done) ended = true;
      else queue.push(next.value);
    }
  };
  try {
    for (;;) {
      await fill(20);
      if (queue.size === 0) return;
      const head = new ProtoReader(queue.peek(20), source, 0, undefined, queue.consumed);
      const field = head.tag();
      const wire = head.wire;
      const wanted = fields.includes(field);
      if (wanted) head.expect(wire, WIRE.bytes, `top-level field ${field}`);
      let length: number;
      if (wire === WIRE.bytes) length = head.uint();
      else {
        if (wire === WIRE.varint) head.uint();
        else head.skip(wire);
        queue.discard(head.pos);
        continue;
      }
      if (wanted && length > maxFrameBytes) {
        throw head.corrupt(`a field of ${length} bytes is larger than the ${maxFrameBytes}-byte limit`, 0);
      }
      queue.discard(head.pos);
      if (!wanted) {
        await skipBytes(queue, fill, length, source);
        continue;
      }
      const base = queue.consumed;
      await fill(length);
      if (queue.size < length) throw truncated(source, base + queue.size);
      yield { field, reader: new ProtoReader(queue.take(length), source, 0, undefined, base) };
    }
  } finally {
    await iterator.return?.();
  }
}

async function skipBytes(
  queue: ChunkQueue,
  fill: (wanted: number) => Promise<void>,
  length: number,
  source: string,
): Promise<void> {
  let left = length;
  while (left > 0) {
    await fill(1);
    if (queue.size === 0) throw truncated(source, queue.consumed);
    const step = Math.min(left, queue.size);
    queue.discard(step);
    left -= step;
  }
}

function truncated(source: string, at: number) {
  return bkError(
    'Corrupt',
    `${source} ends in the middle of a protobuf field at byte ${at}: the file is truncated or damaged`,
    { details: { key: source, offset: at } },
  );
}

/** Chunks waiting to be read, with exact byte accounting. */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  size = 0;
  /** Bytes taken or discarded so far (the offset of the queue's first byte in the stream). */
  consumed = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** A copy of up to the first `n` bytes, leaving them queued. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.size));
    let at = 0;
    for (const chunk of this.chunks) {
      if (at >= out.length) break;
      const part = chunk.subarray(0, out.length - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** The first `n` bytes (a view when they lie in one chunk), removed from the queue. */
  take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      this.discard(n);
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0]!;
      const part = chunk.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
      this.discard(part.length);
    }
    return out;
  }

  discard(n: number): void {
    let left = n;
    this.size -= n;
    this.consumed += n;
    while (left > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.length <= left) {
        left -= chunk.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
  }
}
