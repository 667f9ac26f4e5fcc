/**
 * Uploading one datarange: validate the archive, reserve an upload counter, write the TAR and its
 * index under datas3t's keys (create-only), then commit it in the manifest by compare-and-swap,
 * re-checking overlap against what is committed at that moment. Whatever fails after the writes
 * removes them again, so a rejected or losing upload leaves nothing behind.
 */
import { BucketkitError, bkError } from '../errors.js';
import { updateManifest } from './catalog.js';
import type { Dataset } from './datasets.js';
import type { Datarange } from './manifest.js';
import { datarangeKeys, formatDatapointName, MAX_DATAPOINT_KEY, parseDatapointName } from './names.js';
import { CounterTaken, casOf, checkFree, release, reserve, sortRanges, withPending } from './reserve.js';
import { buildIndex, validateDatarange } from './tar-index.js';
import { readTar } from './tar-read.js';
import type { TarEntry } from './tar-reader.js';
import { tarBytes } from './tar-writer.js';

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
  const bytes = input instanceof Uint8Array ? input : tarBytes(await packInput(input));
  const entries = readTar(bytes, { all: true });
  const { first, last } = claimedRange(entries);
  validateDatarange(entries, { first, last });
  const index = buildIndex(entries);
  const claim = { first, last, kind: 'upload' as const, ...ttl(options) };
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

type Claim = { first: bigint; last: bigint; kind: 'upload'; ttlMs?: number };

/**
 * The fast path, one manifest write shorter: the archive goes up under the counter the cached
 * manifest says is next while the reservation of exactly that counter is written, then the commit.
 * Both writes are create-only, so a rival that predicted the same counter for the same range can
 * never overwrite ours (nor we theirs). Returns `undefined` when the slow path must run instead
 * (nothing cached, a refusal on the cached state, the counter taken meanwhile, a port that cannot
 * write this body create-only); anything written by then is removed first.
 */
async function uploadSpeculatively(
  dataset: Dataset,
  claim: Claim,
  bytes: Uint8Array,
  index: Uint8Array,
  options: UploadOptions,
): Promise<Datarange | undefined> {
  const known = dataset.cached();
  if (!known || known.manifest.deleted || bytes.length >= (noCreateOnlyFrom.get(dataset.port) ?? Infinity)) {
    return undefined;
  }
  try {
    checkFree(known.manifest, dataset.name, claim.first, claim.last);
  } catch {
    return undefined; // the slow path refuses on a fresh read, or finds the range free by now
  }
  const counter = known.manifest.next;
  const keys = datarangeKeys(dataset.name, claim.first, claim.last, counter);
  const written: string[] = [];
  const data = [
    [keys.data, bytes, 'application/x-tar'],
    [keys.index, index, 'application/octet-stream'],
  ] as const;
  const write = ([key, body, type]: (typeof data)[number]) =>
    writeCreateOnly(dataset, key, body, type, written, options, 'always');
  // The small writes go out first and the archive one turn of the event loop later: hashing it (MD5,
  // SHA-256 for a signature) holds the thread for milliseconds, and the small requests are better
  // done by then than competing with the archive's transfer.
  const reservation = reserve(dataset, { ...claim, counter }, options);
  const indexWrite = write(data[1]);
  for (const early of [reservation, indexWrite]) early.catch(() => {}); // settled below, not unhandled
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  const writes = [write(data[0]), indexWrite];
  // Everything settles before any cleanup, so a write still in flight cannot land after its delete.
  // The writes are not cut short when the reservation fails: only a settled create-only write says
  // whose object the key holds (a rival that predicted this counter for this range writes the same key).
  const [reserved, ...settled] = await Promise.allSettled([reservation, ...writes]);
  const failed = settled.find((s) => s.status === 'rejected')?.reason as unknown;
  if (reserved.status === 'fulfilled' && failed === undefined) {
    const range = { first: claim.first, last: claim.last, counter, key: keys.data, size: bytes.length };
    return commitOrUndo(dataset, range, written, options);
  }
  // With the counter reserved, the keys are ours whatever their writes answered. Without it, only a
  // write that succeeded is ours, and only while the writer now holding this counter cannot write the
  // same keys: one whose datarange starts where ours does may write them without a condition (a
  // streamed upload, an aggregation), so they are left to gc() then. A doubtful key is an orphan for
  // gc(), never a rival's loss.
  const ours =
    reserved.status === 'fulfilled'
      ? written
      : sharesKeys(dataset, counter, claim.first, keys.data)
        ? []
        : data.flatMap(([key], i) => (settled[i]?.status === 'fulfilled' ? [key] : []));
  await Promise.allSettled(ours.map((key) => dataset.port.delete(key)));
  if (reserved.status === 'rejected') {
    if (reserved.reason instanceof CounterTaken) return undefined;
    throw reserved.reason;
  }
  await release(dataset, counter);
  if (BucketkitError.is(failed, 'Unsupported')) noCreateOnlyFrom.set(dataset.port, bytes.length);
  if (BucketkitError.is(failed, 'PreconditionFailed', 'Unsupported')) return undefined;
  throw failed;
}

/**
 * Whether the writer now holding `counter` (as last read) may have written over `key`: a reservation
 * whose writer writes without a create-only condition (a streamed upload, an aggregation) and starts
 * where ours does, or a datarange committed at that very key. A create-only holder never can: its write
 * of a key ours already held was refused.
 */
function sharesKeys(dataset: Dataset, counter: number, first: bigint, key: string): boolean {
  const manifest = dataset.cached()?.manifest;
  if (!manifest) return true;
  const pending = manifest.pending?.find((p) => p.counter === counter);
  if (pending) return (pending.plain === true || pending.kind === 'aggregate') && pending.first === first;
  return manifest.dataranges.some((r) => r.counter === counter && r.key === key);
}

/** Per port, the body size from which a create-only write was refused as unsupported. */
const noCreateOnlyFrom = new WeakMap<Dataset['port'], number>();

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
  try {
    const writes = [
      writeCreateOnly(dataset, keys.data, bytes, 'application/x-tar', written, options, 'prefer'),
      writeCreateOnly(dataset, keys.index, index, 'application/octet-stream', written, options, 'prefer'),
    ];
    // Both settle before any cleanup, so a write still in flight cannot land after its delete.
    const settled = await Promise.allSettled(writes);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  } catch (err) {
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, range.counter);
    throw BucketkitError.is(err, 'PreconditionFailed') ? new KeyTaken(err) : err;
  }
  return commitOrUndo(dataset, { ...range, key: keys.data, size: bytes.length }, written, options);
}

/** Commits a written datarange, or removes its objects and its reservation when that fails. */
async function commitOrUndo(
  dataset: Dataset,
  range: Datarange,
  written: string[],
  options: UploadOptions,
): Promise<Datarange> {
  try {
    return await commit(dataset, range, options);
  } catch (err) {
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, range.counter);
    throw err;
  }
}

/** Options of `uploadDatarange` and `uploadTarStream`. */
export interface UploadOptions {
  /** How long the range stays reserved if this process dies mid-upload (default one hour). */
  ttlMs?: number;
  /** Bytes of the TAR sent so far. */
  onProgress?: (progress: { loaded: number; total?: number }) => void;
  signal?: AbortSignal;
}

/**
 * Commits a written datarange: its own reservation gives way to it, after re-checking overlap with
 * what is committed and reserved by others at this moment.
 */
export async function commit(
  dataset: Dataset,
  range: Datarange,
  options: { signal?: AbortSignal } = {},
): Promise<Datarange> {
  const { port, name } = dataset;
  const committed = await updateManifest(
    port,
    name,
    (current) => {
      const manifest = checkFree(current, name, range.first, range.last, range.counter);
      const pending = (manifest.pending ?? []).filter((p) => p.counter !== range.counter);
      const dataranges = sortRanges([...manifest.dataranges, range]);
      return { manifest: withPending({ ...manifest, dataranges }, pending), result: undefined };
    },
    casOf(dataset, options.signal),
  );
  dataset.remember(committed.state);
  return range;
}

// Create-only writes; a failed one may still have landed (a lost response, an abort), so it is
// cleaned up too, unless it failed because the key was taken, which means it is not ours.
async function writeCreateOnly(
  dataset: Dataset,
  key: string,
  body: Uint8Array,
  contentType: string,
  written: string[],
  options: UploadOptions,
  createOnly: 'always' | 'prefer',
): Promise<void> {
  const put = (conditional: boolean) =>
    dataset.port.put(key, body, {
      ...(conditional ? { ifNoneMatch: '*' as const } : {}),
      contentType,
      signal: options.signal,
      ...(options.onProgress && contentType === 'application/x-tar'
        ? { onProgress: options.onProgress }
        : {}),
    });
  try {
    // Create-only always where the port can: a writer on the fast path may have written this very
    // key under the same predicted counter, and an unconditional write over it would be deleted by
    // that writer's cleanup. With a reserved counter ('prefer') a port that cannot write this size
    // create-only (S3 multipart where the server ignores conditions) writes it plainly, refusing
    // before sending a byte; no fast-path writer can have written that size there either.
    await put(true).catch((err: unknown) => {
      if (createOnly === 'prefer' && BucketkitError.is(err, 'Unsupported')) return put(false);
      throw err;
    });
  } catch (err) {
    if (!BucketkitError.is(err, 'PreconditionFailed')) written.push(key);
    throw err;
  }
  written.push(key);
}

const ttl = (options: UploadOptions) => (options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs });

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
      throw bkError('InvalidArgument', `datapoint ${i}: ${err.message}`, {
        cause: err,
        details: { ...err.details, entry: i },
      });
    }
    i++;
  }
  return entries;
}
