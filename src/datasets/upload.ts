/**
 * Uploading one datarange: validate the archive, reserve an upload counter, write the TAR and its
 * index under datas3t's keys (create-only), then commit it in the manifest by compare-and-swap,
 * re-checking overlap against what is committed at that moment. Whatever fails after the writes
 * removes them again, so a rejected or losing upload leaves nothing behind.
 */
import { BucketkitError, bkError } from '../errors.js';
import { requireConditionalWrites } from './catalog.js';
import type { Dataset } from './datasets.js';
import { heartbeat } from './heartbeat.js';
import type { Datarange } from './manifest.js';
import { datarangeKeys, formatDatapointName, MAX_DATAPOINT_KEY, parseDatapointName } from './names.js';
import { release, reserve } from './reserve.js';
import { buildIndex, validateDatarange } from './tar-index.js';
import { readTar } from './tar-read.js';
import type { TarEntry } from './tar-reader.js';
import { tarBytes } from './tar-writer.js';
import { uploadSpeculatively } from './upload-fast.js';
import { commitOrUndo, writeCreateOnly } from './upload-writes.js';

/** One datapoint to upload: its key, its extension (`json`, `json.zst`) and its content. */
export interface DatapointInput {
  n: bigint | number;
  ext: string;
  body: Uint8Array | string;
}

/** What `uploadDatarange` accepts: a whole TAR archive, or datapoints to pack into one (in order). */
export type DatarangeInput = Uint8Array | Iterable<DatapointInput> | AsyncIterable<DatapointInput>;

/**
 * Uploads one datarange into a dataset and returns it as committed. Throws `Corrupt` for a malformed
 * TAR, `InvalidArgument` naming the wrong entry (`details.entry`, `details.name`,
 * `details.expected`) when it is not a contiguous ascending run of `%020d.<ext>` files, or naming
 * the committed datarange it overlaps (`details.overlaps`), and `NotFound` when the dataset does not
 * exist (or was deleted meanwhile).
 *
 * @example
 * ```ts
 * const ds = datasets(port).open('frames');
 * await uploadDatarange(ds, await readFile('frames-1-1000.tar'));
 * await uploadDatarange(ds, [{ n: 1001n, ext: 'json', body: '{"x":1}' }]);
 * ```
 */
export async function uploadDatarange(
  dataset: Dataset,
  input: DatarangeInput,
  options: UploadOptions = {},
): Promise<Datarange> {
  await requireConditionalWrites(dataset.port);
  const bytes = input instanceof Uint8Array ? input : tarBytes(await packInput(input));
  const entries = readTar(bytes, { all: true });
  const { first, last } = claimedRange(entries);
  validateDatarange(entries, { first, last });
  const index = buildIndex(entries);
  const claim = { first, last, kind: 'upload' as const, ...terms(options) };
  const early = await uploadSpeculatively(dataset, claim, bytes, index, options);
  if (early) return early;
  for (let attempt = 1; ; attempt++) {
    const counter = await reserve(dataset, claim, options);
    try {
      return await writeAndCommit(dataset, { first, last, counter }, bytes, index, options);
    } catch (err) {
      // A key of this counter was taken: a rival that predicted this counter for this same range
      // wrote it first (its reservation lost, so it removes it). Take the next counter.
      if (!(err instanceof KeyTaken) || attempt >= 3) throw err instanceof KeyTaken ? err.cause : err;
    }
  }
}

/** A data write of the slow path found its key taken (create-only refused). */
class KeyTaken extends Error {
  constructor(override readonly cause: unknown) {
    super('a datarange key was taken');
  }
}

/** The slow path: the counter is reserved; write the archive and its index, then commit. */
async function writeAndCommit(
  dataset: Dataset,
  range: { first: bigint; last: bigint; counter: number },
  bytes: Uint8Array,
  index: Uint8Array,
  options: UploadOptions,
): Promise<Datarange> {
  const keys = datarangeKeys(dataset.name, range.first, range.last, range.counter);
  const written: string[] = [];
  const beat = heartbeat(dataset, range.counter, options.leaseMs);
  try {
    const writes = [
      writeCreateOnly(dataset, keys.data, bytes, 'application/x-tar', written, options, 'prefer'),
      writeCreateOnly(dataset, keys.index, index, 'application/octet-stream', written, options, 'prefer'),
    ];
    // Both settle before any cleanup, so a write still in flight cannot land after its delete.
    const settled = await Promise.allSettled(writes);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    await beat.stop();
  } catch (err) {
    await beat.stop();
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, range.counter);
    throw BucketkitError.is(err, 'PreconditionFailed') ? new KeyTaken(err) : err;
  }
  return commitOrUndo(dataset, { ...range, key: keys.data, size: bytes.length }, written, options);
}

/** Options of `uploadDatarange` and `uploadTarStream`. */
export interface UploadOptions {
  /** The longest the range stays reserved, even while this process keeps renewing it (default one hour). */
  ttlMs?: number;
  /**
   * How long the range stays reserved after this process's last heartbeat, so after it died
   * mid-upload (default one minute; renewed every third of it while the upload runs).
   */
  leaseMs?: number;
  /** Bytes of the TAR sent so far. */
  onProgress?: (progress: { loaded: number; total?: number }) => void;
  signal?: AbortSignal;
}

/** The reservation terms an upload asked for (`ttlMs`, `leaseMs`), to pass on to `reserve`. */
export const terms = (options: UploadOptions) => ({
  ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
  ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
});

/** The datarange an archive claims: its first entry's key and its entry count. */
export function claimedRange(entries: readonly TarEntry[]): { first: bigint; last: bigint } {
  const head = entries[0];
  if (!head) throw bkError('InvalidArgument', 'the archive holds no datapoints', { details: { entry: 0 } });
  let first: bigint;
  try {
    if (head.type !== 'file') throw bkError('InvalidArgument', `a ${head.type} is not a datapoint`);
    first = parseDatapointName(head.name).key;
  } catch (err) {
    throw bkError('InvalidArgument', `entry 0 ("${head.name}") is not a datapoint`, {
      cause: err,
      details: { entry: 0, name: head.name },
    });
  }
  const last = first + BigInt(entries.length) - 1n;
  if (last > MAX_DATAPOINT_KEY) {
    throw bkError('InvalidArgument', `datapoints ${first}.. run past the largest key`, {
      details: { entry: entries.length - 1, first: String(first) },
    });
  }
  return { first, last };
}

async function packInput(input: Iterable<DatapointInput> | AsyncIterable<DatapointInput>) {
  const entries: { name: string; body: Uint8Array }[] = [];
  const encoder = new TextEncoder();
  let i = 0;
  for await (const point of input) {
    try {
      entries.push({
        name: formatDatapointName(point.n, point.ext),
        body: typeof point.body === 'string' ? encoder.encode(point.body) : point.body,
      });
    } catch (err) {
      if (!BucketkitError.is(err)) throw err;
      throw bkError('InvalidArgument', `datapoint ${i}: ${err.message.slice(`${err.code}: `.length)}`, {
        cause: err,
        details: { ...err.details, entry: i },
      });
    }
    i++;
  }
  return entries;
}
