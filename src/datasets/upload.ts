/**
 * Uploading one datarange: validate the archive, reserve an upload counter, write the TAR and its
 * index under datas3t's keys (create-only), then commit it in the manifest by compare-and-swap,
 * re-checking overlap against what is committed at that moment. Whatever fails after the writes
 * removes them again, so a rejected or losing upload leaves nothing behind.
 */
import { BucketkitError, bkError } from '../errors.js';
import { updateManifest } from './catalog.js';
import type { Dataset } from './datasets.js';
import { notFound } from './datasets.js';
import { type Datarange, findOverlap, type Manifest } from './manifest.js';
import { datarangeKeys, formatDatapointName, MAX_DATAPOINT_KEY, parseDatapointName } from './names.js';
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
  options: { signal?: AbortSignal } = {},
): Promise<Datarange> {
  const bytes = input instanceof Uint8Array ? input : tarBytes(await packInput(input));
  const entries = readTar(bytes, { all: true });
  const { first, last } = claimedRange(entries);
  validateDatarange(entries, { first, last });
  const index = buildIndex(entries);
  const { port, name, cas } = dataset;
  const casOptions = { ...cas, signal: options.signal ?? cas.signal };

  const reserved = await updateManifest(
    port,
    name,
    (current) => {
      const manifest = checkFree(current, name, first, last);
      return { manifest: { ...manifest, next: manifest.next + 1 }, result: manifest.next };
    },
    casOptions,
  );
  dataset.remember(reserved.state);
  const counter = reserved.result;
  const keys = datarangeKeys(name, first, last, counter);
  const range: Datarange = { first, last, counter, key: keys.data, size: bytes.length };

  const written: string[] = [];
  try {
    // Create-only writes; a failed one may still have landed (a lost response, an abort), so it is
    // cleaned up too, unless it failed because the key was taken, which means it is not ours.
    const write = async (key: string, body: Uint8Array, contentType: string) => {
      try {
        await port.put(key, body, { ifNoneMatch: '*', contentType, signal: options.signal });
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed')) written.push(key);
        throw err;
      }
      written.push(key);
    };
    await write(keys.data, bytes, 'application/x-tar');
    await write(keys.index, index, 'application/octet-stream');
    const committed = await updateManifest(
      port,
      name,
      (current) => {
        const manifest = checkFree(current, name, first, last);
        const dataranges = [...manifest.dataranges, range].sort((a, b) =>
          a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
        );
        return { manifest: { ...manifest, dataranges }, result: undefined };
      },
      casOptions,
    );
    dataset.remember(committed.state);
    return range;
  } catch (err) {
    await Promise.allSettled(written.map((key) => port.delete(key)));
    throw err;
  }
}

/** The datarange an archive claims: its first entry's key and its entry count. */
function claimedRange(entries: readonly TarEntry[]): { first: bigint; last: bigint } {
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

/** The manifest, or why `first..last` cannot be committed to it. */
function checkFree(current: Manifest | undefined, name: string, first: bigint, last: bigint): Manifest {
  if (!current) throw notFound(name);
  const clash = findOverlap(current.dataranges, first, last);
  if (clash) {
    throw bkError(
      'InvalidArgument',
      `datarange ${first}..${last} overlaps committed datarange ${clash.first}..${clash.last} of ${name}`,
      {
        details: {
          dataset: name,
          first: String(first),
          last: String(last),
          overlaps: { first: String(clash.first), last: String(clash.last), key: clash.key },
        },
      },
    );
  }
  return current;
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
