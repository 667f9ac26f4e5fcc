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
import { casOf, checkFree, release, reserve, sortRanges, withPending } from './reserve.js';
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
  const counter = await reserve(dataset, { first, last, kind: 'upload', ...ttl(options) }, options);
  const keys = datarangeKeys(dataset.name, first, last, counter);
  const written: string[] = [];
  try {
    const writes = [
      writeCreateOnly(dataset, keys.data, bytes, 'application/x-tar', written, options),
      writeCreateOnly(dataset, keys.index, index, 'application/octet-stream', written, options),
    ];
    // Both settle before any cleanup, so a write still in flight cannot land after its delete.
    const settled = await Promise.allSettled(writes);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    return await commit(dataset, { first, last, counter, key: keys.data, size: bytes.length }, options);
  } catch (err) {
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, counter);
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
): Promise<void> {
  try {
    await dataset.port.put(key, body, {
      // The reserved counter already makes the key ours. Create-only is a second guard where it is
      // cheap: S3 ports refuse conditions on multipart-sized bodies where the server ignores them.
      ...(body.length <= CREATE_ONLY_LIMIT ? { ifNoneMatch: '*' as const } : {}),
      contentType,
      signal: options.signal,
      ...(options.onProgress && contentType === 'application/x-tar'
        ? { onProgress: options.onProgress }
        : {}),
    });
  } catch (err) {
    if (!BucketkitError.is(err, 'PreconditionFailed')) written.push(key);
    throw err;
  }
  written.push(key);
}

const CREATE_ONLY_LIMIT = 5 * 1024 * 1024;

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
