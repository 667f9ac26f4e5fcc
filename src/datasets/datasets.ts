/**
 * The dataset catalog on a StoragePort: create, list and delete datasets, and open handles that the
 * upload and read functions take. All state lives in storage (one manifest per dataset), so any
 * number of processes may share a bucket.
 */
import { bkError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { type CasOptions, type ManifestState, readManifest, updateManifest } from './catalog.js';
import { type IndexCache, type IndexCacheOptions, indexCache } from './index-cache.js';
import { type Manifest, manifestKey } from './manifest.js';

/** Options of `datasets()`. */
export interface DatasetsOptions {
  /** Retry policy of manifest compare-and-swap. */
  cas?: CasOptions;
  /** Bounds of the decoded-index LRU shared by every handle of this catalog. */
  indexCache?: IndexCacheOptions;
}

/** A handle on one dataset: what `uploadDatarange`, `get`, `range` and `coverage` take. */
export interface Dataset {
  readonly name: string;
  readonly port: StoragePort;
  readonly cas: CasOptions;
  readonly indexes: IndexCache;
  /**
   * The dataset's manifest: the last one seen by this handle, or a fresh read with `fresh: true`
   * (or when none was seen yet). Throws `NotFound` when the dataset does not exist.
   */
  manifest(options?: { fresh?: boolean; signal?: AbortSignal }): Promise<Manifest>;
  /** Records a manifest this handle wrote or read, so later reads start from it. */
  remember(state: ManifestState): void;
  /**
   * The last manifest this handle saw, with its ETag (no I/O). Writers start their compare-and-swap
   * from it instead of reading first; a stale one only costs a failed write and a read.
   */
  cached(): ManifestState | undefined;
}

/** One line of `list()`. */
export interface DatasetSummary {
  name: string;
  dataranges: number;
  datapoints: bigint;
  /** Lowest and highest stored datapoint; absent when the dataset is empty. */
  first?: bigint;
  last?: bigint;
  /** Bytes of all TAR objects. */
  bytes: number;
}

/** The catalog of datasets in one port. */
export interface Datasets {
  /** Creates an empty dataset. `PreconditionFailed` when it exists; `InvalidArgument` for a bad name. */
  create(name: string): Promise<Dataset>;
  /** A handle on a dataset (no I/O; operations throw `NotFound` if it does not exist). */
  open(name: string): Dataset;
  /** Every dataset with its counts, sorted by name. */
  list(options?: { signal?: AbortSignal }): Promise<DatasetSummary[]>;
  /** Deletes an empty dataset; `PreconditionFailed` while it has dataranges, `NotFound` if missing. */
  delete(name: string): Promise<void>;
}

/**
 * The dataset catalog of a port. Writing (create, delete, upload, aggregate, gc) needs a port that
 * enforces conditional writes (`capabilities().conditionalWrites`), else it throws `Unsupported` before
 * writing anything; reading works on any port (a read-only `httpStorage` in a browser, for one).
 *
 * @example
 * ```ts
 * const catalog = datasets(fileStorage('./data'));
 * const ds = await catalog.create('frames');
 * await uploadDatarange(ds, [{ n: 1, ext: 'json', body: '{}' }]);
 * console.log(await catalog.list());
 * ```
 */
export function datasets(port: StoragePort, options: DatasetsOptions = {}): Datasets {
  const cas = options.cas ?? {};
  const indexes = indexCache(options.indexCache);

  const open = (name: string): Dataset => {
    manifestKey(name); // validates the name
    let last: ManifestState | undefined;
    return {
      name,
      port,
      cas,
      indexes,
      async manifest(opts = {}) {
        if (last && !opts.fresh) return last.manifest;
        const state = await readManifest(port, name, { signal: opts.signal });
        if (!state) throw notFound(name);
        last = state;
        return state.manifest;
      },
      remember(state) {
        last = state;
      },
      cached: () => last,
    };
  };

  return {
    open,
    async create(name) {
      const handle = open(name);
      const { state } = await updateManifest(
        port,
        name,
        (current, tombstone) => {
          if (current) {
            throw bkError('PreconditionFailed', `dataset ${name} already exists`, {
              details: { dataset: name, key: manifestKey(name) },
            });
          }
          return {
            manifest: { dataset: name, next: tombstone?.next ?? 1, dataranges: [] },
            result: undefined,
          };
        },
        cas,
      );
      handle.remember(state);
      return handle;
    },
    async list(opts = {}) {
      const names: string[] = [];
      for await (const entry of port.list({ prefix: 'datas3t/', delimiter: '/', signal: opts.signal })) {
        if (entry.type === 'prefix') names.push(entry.prefix.slice('datas3t/'.length, -1));
      }
      const valid = names.filter((name) => /^[a-zA-Z0-9_-]+$/.test(name));
      const states = await Promise.all(
        valid.map((name) => readManifest(port, name, { signal: opts.signal })),
      );
      return states
        .filter((state): state is ManifestState => state !== undefined)
        .map(({ manifest }) => summarize(manifest))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async delete(name) {
      manifestKey(name);
      await updateManifest(
        port,
        name,
        (current) => {
          if (!current) throw notFound(name);
          if (current.dataranges.length > 0) {
            const span = `${current.dataranges[0]!.first} ${current.dataranges.at(-1)!.last}`;
            throw bkError(
              'PreconditionFailed',
              `dataset ${name} still has ${current.dataranges.length} dataranges; remove them first (bucketkit datasets rm-range URL ${name} ${span}, or removeDataranges())`,
              { details: { dataset: name, dataranges: current.dataranges.length, retryable: false } },
            );
          }
          // A tombstone, not a delete: racing writers then fail their compare-and-swap and see the
          // deletion, and a later create continues the upload counter so keys are never reused.
          return { manifest: { ...current, deleted: true }, result: undefined };
        },
        cas,
      );
    },
  };
}

function summarize(manifest: Manifest): DatasetSummary {
  const ranges = manifest.dataranges;
  const summary: DatasetSummary = {
    name: manifest.dataset,
    dataranges: ranges.length,
    datapoints: ranges.reduce((sum, r) => sum + (r.last - r.first + 1n), 0n),
    bytes: ranges.reduce((sum, r) => sum + r.size, 0),
  };
  const lowest = ranges[0];
  const highest = ranges[ranges.length - 1];
  if (lowest && highest) {
    summary.first = lowest.first;
    summary.last = highest.last;
  }
  return summary;
}

/** `NotFound` for a dataset. */
export function notFound(name: string) {
  return bkError('NotFound', `dataset ${name} does not exist`, {
    details: { dataset: name, key: manifestKey(name) },
  });
}
