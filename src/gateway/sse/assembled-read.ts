/**
 * Reading an assembled SSE-C object (sse/assembled.ts) in as few requests as its layout allows. The
 * segments a range touches lie one after another in the stored body, each header followed by its
 * part's chunks, so they are read as one span: from the first segment's header when the range starts
 * in that part's first chunk (a whole read is the whole body, which the GET's first read already
 * brings), else from the first chunk needed, the first part's header read on its own before. The
 * first read is used again whenever it covers the span.
 */
import {
  CHUNK,
  type DataKey,
  type GetResult,
  importDataKey,
  importWrappingKey,
  limited,
  type ObjectInfo,
  openChunks,
  type StoragePort,
  sealedRange,
  sliced,
  streamFrom,
  unwrapKey,
} from '../../storage/index.js';
import { storedChunks } from '../body.js';
import {
  corrupt,
  HEADER,
  parseHeader,
  readHeader,
  type Segment,
  type SegmentHeader,
  segmentsOf,
  uploadOf,
  wrongKey,
} from './assembled.js';
import { partContext } from './listing.js';
import type { CustomerKey } from './request.js';
import { StreamCursor } from './stream-cursor.js';

/** Plaintext bytes `start..end` (inclusive, `end` may be `start - 1`: none) of one segment, and its chunks. */
interface Piece {
  segment: Segment;
  start: number;
  end: number;
  chunks: ReturnType<typeof sealedRange>;
}

/** The pieces to read: every segment for a whole read, else those from the first to the last the range touches. */
function piecesOf(segments: Segment[], want: { start: number; end: number } | undefined): Piece[] {
  const touches = (s: Segment) =>
    s.size > 0 && want !== undefined && s.plainStart <= want.end && s.plainStart + s.size - 1 >= want.start;
  const from = want ? segments.findIndex(touches) : 0;
  const through = want ? segments.findLastIndex(touches) : segments.length - 1;
  if (from < 0) return [];
  const start = want?.start ?? 0;
  const end = want?.end ?? Number.MAX_SAFE_INTEGER;
  return segments.slice(from, through + 1).map((segment) => {
    const a = Math.max(start, segment.plainStart) - segment.plainStart;
    const b = Math.min(end, segment.plainStart + segment.size - 1) - segment.plainStart;
    return { segment, start: a, end: b, chunks: sealedRange(a, Math.max(b, 0), segment.size) };
  });
}

/** The stored bytes `start..end` of the object: cut from the first read when it holds them, else read (same version). */
async function span(
  port: StoragePort,
  info: ObjectInfo,
  first: GetResult | undefined,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<StreamCursor> {
  const got = first && (first.range ?? { start: 0, end: first.size - 1 });
  const release = (body: ReadableStream<Uint8Array>) => () => body.cancel().catch(() => {});
  if (first && got && got.start <= start && got.end >= end) {
    const cut = sliced(storedChunks(first.body), start - got.start, end - start + 1);
    return new StreamCursor(cut, release(first.body));
  }
  await first?.body.cancel().catch(() => {});
  const stored = await port.get(info.key, {
    range: { start, end },
    ifMatch: info.etag,
    ...(signal ? { signal } : {}),
  });
  return new StreamCursor(storedChunks(stored.body), release(stored.body));
}

/**
 * The plaintext bytes `want.start..want.end` (the whole object when undefined) of assembled object
 * `info`, whose GET began with `first` (its body is used or cancelled here), or that this request's
 * HEAD described (no first read). The first part's key is checked before this returns, so a wrong key
 * is a 403 rather than a cut body; each header is checked against the part its place holds.
 *
 * @example
 * ```ts
 * const body = await openAssembled(port, first, first, { start: 0, end: 99 }, scope.readKey);
 * ```
 */
export async function openAssembled(
  port: StoragePort,
  info: ObjectInfo,
  first: GetResult | undefined,
  want: { start: number; end: number } | undefined,
  customer: CustomerKey,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  let cursor: StreamCursor | undefined;
  try {
    const kek = await importWrappingKey(customer.raw);
    const uploadId = uploadOf(info);
    const keyOf = async (segment: Segment, header: SegmentHeader): Promise<DataKey> => {
      if (header.size !== segment.size || header.n !== segment.n) {
        throw corrupt('a part is not the one its place holds', info.key);
      }
      const raw = await unwrapKey(kek, header.wrapped, partContext(uploadId, segment.n));
      if (!raw) throw wrongKey(info.key);
      return importDataKey(raw);
    };
    const pieces = piecesOf(await segmentsOf(port, info, signal), want);
    const lead = pieces[0];
    if (!lead) throw corrupt('it has no parts', info.key);
    // a range starting past the part's first chunk skips the chunks after its header
    const headerInline = lead.chunks.start === 0;
    const leadKey = headerInline
      ? undefined
      : await keyOf(lead.segment, await readHeader(port, info, lead.segment.storedStart, signal));
    const last = pieces.at(-1)!;
    const from = lead.segment.storedStart + (headerInline ? 0 : HEADER + lead.chunks.start);
    const to = last.segment.storedStart + HEADER + last.chunks.end;
    const reading = await span(port, info, first, from, to, signal);
    cursor = reading;
    const header = async () => parseHeader(await reading.read(HEADER), info);
    const firstKey = leadKey ?? (await keyOf(lead.segment, await header()));
    async function* read(): AsyncGenerator<Uint8Array> {
      try {
        for (const [i, piece] of pieces.entries()) {
          const dataKey = i === 0 ? firstKey : await keyOf(piece.segment, await header());
          const opened = openChunks(reading.take(piece.chunks.end - piece.chunks.start + 1), dataKey, {
            ...piece.chunks,
            skip: piece.start - piece.chunks.first * CHUNK,
            size: piece.segment.size,
            name: info.key,
          });
          yield* limited(opened, piece.end - piece.start + 1);
        }
      } finally {
        await reading.close();
      }
    }
    // a generator never started runs no finally: the span is released on cancel too
    return streamFrom(read(), () => reading.close());
  } catch (err) {
    if (cursor) await cursor.close();
    else await first?.body.cancel().catch(() => {});
    throw err;
  }
}
