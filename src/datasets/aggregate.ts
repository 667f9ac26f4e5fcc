/**
 * Aggregation: adjacent dataranges become one. The sources' entries are concatenated without their
 * end-of-archive blocks, then one end-of-archive is appended; the index is the sources' indexes
 * shifted. Where the port has multipart uploads, large spans are copied server-side
 * (`uploadPartCopy` with byte ranges) and only small glue parts pass through the client; elsewhere
 * the bytes stream through. Readers switch with one manifest compare-and-swap; the old objects are
 * deleted after it, and whatever a crash leaves behind is `gc()`'s.
 */
import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import { chunksOf, type PartRef } from '../storage/browser.js';
import { requireConditionalWrites, updateManifest } from './catalog.js';
import { MIN_PART, type PlannedPart, planParts, type Segment } from './copy-plan.js';
import { type Dataset, notFound } from './datasets.js';
import { heartbeat } from './heartbeat.js';
import { type Datarange, indexKeyOf, type Manifest } from './manifest.js';
import { datarangeKeys } from './names.js';
import { entryEnd, loadIndex } from './read.js';
import { assertHeld, casOf, noteUploadId, release, reserve, sortRanges, withPending } from './reserve.js';
import { encodeIndex, type IndexEntry } from './tar-index.js';

/** What an aggregation reports as it goes (for progress, and for fault injection in tests). */
export type AggregateStep =
  | { step: 'reserved'; counter: number; sources: number; bytes: number; serverSide: boolean }
  | { step: 'part'; partNumber: number; bytes: number; copied: boolean; done: number; total: number }
  | { step: 'uploaded'; key: string; bytes: number }
  | { step: 'switched'; datarange: Datarange }
  | { step: 'deleted'; keys: string[] };

/** Options of `aggregate()`. */
export interface AggregateOptions {
  /** The longest the range stays reserved, even while this process keeps renewing it (default one hour). */
  ttlMs?: number;
  /**
   * How long the range stays reserved after this process's last heartbeat, so after it died mid-way
   * (default one minute; renewed every third of it while the aggregation runs).
   */
  leaseMs?: number;
  /** Smallest copied part (default 5 MiB, S3's minimum); spans below it go through the client. */
  minPartBytes?: number;
  /** Called after each step; an exception aborts the aggregation at that point. */
  onStep?: (step: AggregateStep) => void | Promise<void>;
  signal?: AbortSignal;
}

/** What `aggregate()` did. */
export interface AggregateResult {
  datarange: Datarange;
  sources: Datarange[];
  /** Bytes copied server-side, never passing through this process. */
  copiedBytes: number;
  /** Bytes this process read and wrote (glue, end-of-archive, or everything without multipart). */
  uploadedBytes: number;
}

const TRAILER = 1024;

/**
 * Merges the committed dataranges covering exactly `from..to` (at least two, adjacent, with `from`
 * and `to` on datarange boundaries) into one datarange. Throws `InvalidArgument` naming the gap or
 * the boundary otherwise, and `PreconditionFailed` if the sources changed meanwhile.
 *
 * @example
 * ```ts
 * const ds = datasets(port).open('frames');
 * const { datarange, copiedBytes } = await aggregate(ds, 1n, 10_000n);
 * ```
 */
export async function aggregate(
  dataset: Dataset,
  from: bigint | number,
  to: bigint | number,
  options: AggregateOptions = {},
): Promise<AggregateResult> {
  const { port, name } = dataset;
  const { signal } = options;
  await requireConditionalWrites(port);
  const lo = BigInt(from);
  const hi = BigInt(to);
  const sources = selectSources(await dataset.manifest({ fresh: true, signal }), name, lo, hi);
  const indexes = await Promise.all(sources.map((r) => loadIndex(dataset, r, signal)));
  const segments: Segment[] = sources.map((r, i) => ({
    key: r.key,
    start: 0,
    end: entryEnd(indexes[i]!.at(-1)!),
  }));
  const total = segments.reduce((sum, s) => sum + s.end, 0) + TRAILER;
  const minPart = Math.max(options.minPartBytes ?? MIN_PART, MIN_PART);
  const serverSide =
    port.multipart !== undefined && (await port.capabilities({ signal })).multipart && total > minPart;

  const counter = await reserve(
    dataset,
    {
      first: lo,
      last: hi,
      kind: 'aggregate',
      ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    },
    { signal },
  );
  const beat = heartbeat(dataset, counter, options.leaseMs);
  const keys = datarangeKeys(name, lo, hi, counter);
  const range: Datarange = { first: lo, last: hi, counter, key: keys.data, size: total };
  const step = async (s: AggregateStep) => {
    await options.onStep?.(s);
    throwIfAborted(signal);
  };
  let uploadId: string | undefined;
  let switched = false;
  const moved = { copied: 0, uploaded: 0 };
  try {
    await step({ step: 'reserved', counter, sources: sources.length, bytes: total, serverSide });
    let copied = false;
    if (serverSide) {
      const multipart = port.multipart!;
      uploadId = await multipart.create(keys.data, { contentType: 'application/x-tar', signal });
      await noteUploadId(dataset, counter, uploadId, signal);
      const parts = planParts(segments, TRAILER, minPart);
      const refs: PartRef[] = [];
      let done = 0;
      try {
        for (const [i, part] of parts.entries()) {
          const partNumber = i + 1;
          const bytes = part.kind === 'copy' ? part.end - part.start : part.size;
          if (part.kind === 'copy') {
            const source = { key: part.key, range: { start: part.start, end: part.end - 1 } };
            refs.push(await multipart.uploadPartCopy(keys.data, uploadId, partNumber, source, { signal }));
            moved.copied += bytes;
          } else {
            const body = await glue(dataset, part, signal);
            refs.push(await multipart.uploadPart(keys.data, uploadId, partNumber, body, { signal }));
            moved.uploaded += bytes;
          }
          done += bytes;
          await step({ step: 'part', partNumber, bytes, copied: part.kind === 'copy', done, total });
        }
        const put = await multipart.complete(keys.data, uploadId, refs, { signal });
        if (put.size !== total) {
          throw bkError('Corrupt', `aggregate ${keys.data} is ${put.size} bytes, not the planned ${total}`, {
            details: { key: keys.data, size: put.size, expected: total },
          });
        }
        copied = true;
      } catch (err) {
        // Servers without ranged UploadPartCopy (s3rver) say so on the first part: stream instead.
        if (moved.copied > 0 || !notImplemented(err)) throw err;
        await multipart.abort(keys.data, uploadId, { signal }).catch(() => {});
        moved.uploaded = 0;
      }
    }
    if (!copied) {
      await port.put(keys.data, streamThrough(dataset, segments, total, step, moved, signal), {
        contentType: 'application/x-tar',
        signal,
      });
    }
    await port.put(keys.index, encodeIndex(shifted(indexes, segments)), {
      ifNoneMatch: '*',
      contentType: 'application/octet-stream',
      signal,
    });
    await step({ step: 'uploaded', key: keys.data, bytes: total });
    await beat.stop();

    const { state } = await updateManifest(
      port,
      name,
      (current) => ({ manifest: switchTo(current, name, sources, range), result: undefined }),
      casOf(dataset, signal),
    );
    dataset.remember(state);
    switched = true;
    await step({ step: 'switched', datarange: range });
    const old = sources.flatMap((r) => [r.key, indexKeyOf(r)]);
    await port.deleteMany(old, { signal });
    await step({ step: 'deleted', keys: old });
    return { datarange: range, sources, copiedBytes: moved.copied, uploadedBytes: moved.uploaded };
  } catch (err) {
    await beat.stop();
    if (!switched) {
      if (uploadId) await port.multipart?.abort(keys.data, uploadId).catch(() => {});
      await Promise.allSettled([port.delete(keys.data), port.delete(keys.index)]);
      await release(dataset, counter);
    }
    throw err;
  }
}

function notImplemented(err: unknown): boolean {
  return (
    BucketkitError.is(err, 'Unsupported') ||
    (BucketkitError.is(err) && (err.details.status === 501 || err.details.status === 405))
  );
}

/** The committed dataranges covering exactly `lo..hi`, or why they do not. */
export function selectSources(manifest: Manifest, name: string, lo: bigint, hi: bigint): Datarange[] {
  const sources = manifest.dataranges.filter((r) => r.first <= hi && r.last >= lo);
  const details = { dataset: name, from: String(lo), to: String(hi) };
  const head = sources[0];
  const tail = sources.at(-1);
  if (!head || !tail || lo > hi) {
    throw bkError('InvalidArgument', `no datarange of ${name} lies within ${lo}..${hi}`, { details });
  }
  if (head.first !== lo || tail.last !== hi) {
    throw bkError(
      'InvalidArgument',
      `aggregate bounds must be datarange boundaries: ${lo}..${hi} cuts through ${head.first}..${head.last} or ${tail.first}..${tail.last}; use ${head.first}..${tail.last}`,
      { details: { ...details, boundaries: [String(head.first), String(tail.last)] } },
    );
  }
  if (sources.length < 2) {
    throw bkError('InvalidArgument', `${lo}..${hi} is already one datarange: nothing to aggregate`, {
      details,
    });
  }
  for (let i = 1; i < sources.length; i++) {
    const gap = { first: sources[i - 1]!.last + 1n, last: sources[i]!.first - 1n };
    if (gap.first <= gap.last) {
      throw bkError(
        'InvalidArgument',
        `datapoints ${gap.first}..${gap.last} are missing: only adjacent dataranges can be aggregated`,
        { details: { ...details, gap: { first: String(gap.first), last: String(gap.last) } } },
      );
    }
  }
  return sources;
}

/** The manifest after the switch: the sources (all still committed) replaced by `range`. */
function switchTo(current: Manifest | undefined, name: string, sources: Datarange[], range: Datarange) {
  if (!current) throw notFound(name);
  assertHeld(current, range.counter);
  const keys = new Set(sources.map((r) => r.key));
  const still = current.dataranges.filter((r) => keys.has(r.key));
  if (still.length !== sources.length) {
    throw bkError(
      'PreconditionFailed',
      `dataranges of ${name} in ${range.first}..${range.last} changed during aggregation; run it again`,
      { details: { dataset: name, retryable: false } },
    );
  }
  const dataranges = sortRanges([...current.dataranges.filter((r) => !keys.has(r.key)), range]);
  const pending = (current.pending ?? []).filter((p) => p.counter !== range.counter);
  return withPending({ ...current, dataranges }, pending);
}

function shifted(indexes: IndexEntry[][], segments: Segment[]): IndexEntry[] {
  let offset = 0;
  return indexes.flatMap((index, i) => {
    const base = offset;
    offset += segments[i]!.end;
    return index.map((e) => ({ ...e, headerOffset: e.headerOffset + base }));
  });
}

async function glue(
  dataset: Dataset,
  part: Extract<PlannedPart, { kind: 'upload' }>,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const body = new Uint8Array(part.size);
  let at = 0;
  for (const piece of part.pieces) {
    if ('zeros' in piece) {
      at += piece.zeros;
      continue;
    }
    const got = await dataset.port.get(piece.key, {
      range: { start: piece.start, end: piece.end - 1 },
      signal,
    });
    const bytes = await got.bytes();
    if (bytes.length !== piece.end - piece.start) {
      throw bkError('Corrupt', `${piece.key} returned ${bytes.length} bytes for a planned span`, {
        details: { key: piece.key, start: piece.start, end: piece.end },
      });
    }
    body.set(bytes, at);
    at += bytes.length;
  }
  return body;
}

async function* streamThrough(
  dataset: Dataset,
  segments: Segment[],
  total: number,
  step: (s: AggregateStep) => Promise<void>,
  moved: { uploaded: number },
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  let done = 0;
  for (const [i, seg] of segments.entries()) {
    const got = await dataset.port.get(seg.key, { range: { start: seg.start, end: seg.end - 1 }, signal });
    let bytes = 0;
    for await (const chunk of chunksOf(got.body)) {
      bytes += chunk.byteLength;
      yield chunk;
    }
    if (bytes !== seg.end - seg.start) {
      throw bkError('Corrupt', `${seg.key} returned ${bytes} bytes, not ${seg.end - seg.start}`, {
        details: { key: seg.key },
      });
    }
    done += bytes;
    moved.uploaded += bytes;
    await step({ step: 'part', partNumber: i + 1, bytes, copied: false, done, total });
  }
  moved.uploaded += TRAILER;
  yield new Uint8Array(TRAILER);
}
