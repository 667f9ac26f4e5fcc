/**
 * Import: adopt dataranges found in a bucket (written by datas3t, by another catalog, or left by a
 * lost manifest). Each `.tar` is checked against its `.index` before the manifest is rebuilt by one
 * compare-and-swap; overlapping objects are refused rather than guessed between.
 */
import { bkError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { type CasOptions, requireConditionalWrites, updateManifest } from './catalog.js';
import { type Datarange, findOverlap, indexKeyOf } from './manifest.js';
import { datarangePrefix, parseDatapointName, parseDatarangeKey } from './names.js';
import { entryEnd } from './read.js';
import { liveReservations, sortRanges } from './reserve.js';
import { BLOCK } from './tar-format.js';
import { decodeIndex, type IndexEntry } from './tar-index.js';
import { readTarStream } from './tar-read.js';
import { TarParser } from './tar-reader.js';

/** Options of `importDataset()`. */
export interface ImportOptions {
  /** Read every object whole and compare every entry (default: first, last and 3 middle headers). */
  full?: boolean;
  cas?: CasOptions;
  signal?: AbortSignal;
}

/** What an import adopted. */
export interface ImportResult {
  dataset: string;
  imported: Datarange[];
  /** Dataranges already in the manifest. */
  known: number;
}

/**
 * Adopts the dataranges stored under `datas3t/{name}/dataranges/`, creating the dataset's manifest
 * if it has none. Throws `Corrupt` naming an object that disagrees with its index (or has none),
 * and `InvalidArgument` with `details.overlaps` when two objects, or an object and a committed
 * datarange, hold the same datapoints.
 *
 * @example
 * ```ts
 * const { imported } = await importDataset(port, 'frames');
 * console.log(`adopted ${imported.length} dataranges`);
 * ```
 */
export async function importDataset(
  port: StoragePort,
  name: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const { signal } = options;
  await requireConditionalWrites(port);
  const found: Datarange[] = [];
  const indexes = new Set<string>();
  for await (const entry of port.list({ prefix: datarangePrefix(name), signal })) {
    if (entry.type !== 'object') continue;
    const info = parseDatarangeKey(entry.key);
    if (!info || info.dataset !== name) continue;
    if (info.kind === 'index') indexes.add(entry.key);
    else
      found.push({
        first: info.first,
        last: info.last,
        counter: info.counter,
        key: entry.key,
        size: entry.size,
      });
  }
  sortRanges(found);
  for (let i = 1; i < found.length; i++) {
    const a = found[i - 1]!;
    const b = found[i]!;
    if (b.first <= a.last) throw overlap(name, a, b);
  }
  for (const r of found) {
    if (!indexes.has(indexKeyOf(r))) {
      throw bkError('Corrupt', `${r.key} has no index ${indexKeyOf(r)}; delete it or rebuild its index`, {
        details: { key: r.key },
      });
    }
    await verify(port, r, options);
  }
  const { result } = await updateManifest(
    port,
    name,
    (current, tombstone) => {
      const base = current ?? { dataset: name, next: tombstone?.next ?? 1, dataranges: [] };
      const known = new Set(base.dataranges.map((r) => r.key));
      const added = found.filter((r) => !known.has(r.key));
      for (const r of added) {
        const clash = findOverlap(base.dataranges, r.first, r.last);
        if (clash) throw overlap(name, clash, r);
        const pending = liveReservations(base).find((p) => p.first <= r.last && p.last >= r.first);
        if (pending) {
          throw bkError('InvalidArgument', `${r.key} overlaps an upload in flight; import again after it`, {
            details: {
              key: r.key,
              overlaps: { first: String(pending.first), last: String(pending.last), pending: true },
            },
          });
        }
      }
      const next = Math.max(base.next, ...found.map((r) => r.counter + 1));
      const manifest = { ...base, next, dataranges: sortRanges([...base.dataranges, ...added]) };
      return { manifest, result: { dataset: name, imported: added, known: found.length - added.length } };
    },
    { ...options.cas, ...(signal ? { signal } : {}) },
  );
  return result;
}

/**
 * Names of the datasets that have objects in a port (under `datas3t/`), for `importDataset`.
 *
 * @example
 * ```ts
 * for (const name of await findDatasets(port)) await importDataset(port, name);
 * ```
 */
export async function findDatasets(
  port: StoragePort,
  options: { signal?: AbortSignal } = {},
): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of port.list({ prefix: 'datas3t/', delimiter: '/', signal: options.signal })) {
    if (entry.type === 'prefix') names.push(entry.prefix.slice('datas3t/'.length, -1));
  }
  return names.filter((n) => /^[a-zA-Z0-9_-]+$/.test(n)).sort();
}

async function verify(port: StoragePort, r: Datarange, options: ImportOptions): Promise<void> {
  const { signal } = options;
  const fail = (why: string) => bkError('Corrupt', `${r.key}: ${why}`, { details: { key: r.key } });
  const index = decodeIndex(await (await port.get(indexKeyOf(r), { signal })).bytes());
  const count = r.last - r.first + 1n;
  if (BigInt(index.length) !== count) throw fail(`its index has ${index.length} entries, not ${count}`);
  if (entryEnd(index.at(-1)!) + 2 * BLOCK > r.size)
    throw fail(`the ${r.size}-byte object is shorter than its index says`);
  const check = (i: number, name: string, size: number) => {
    let key: bigint | undefined;
    try {
      key = parseDatapointName(name).key;
    } catch {
      key = undefined;
    }
    if (key !== r.first + BigInt(i) || size !== index[i]!.size) {
      throw fail(
        `entry ${i} is "${name}" of ${size} bytes; the index wants datapoint ${r.first + BigInt(i)} of ${index[i]!.size}`,
      );
    }
  };
  if (options.full) {
    let i = 0;
    const got = await port.get(r.key, { signal });
    for await (const entry of readTarStream(got.body, { all: true })) {
      if (i >= index.length) throw fail(`it holds more than the ${index.length} indexed entries`);
      if (entry.headerOffset !== index[i]!.headerOffset) throw fail(`entry ${i} is not where the index says`);
      check(i++, entry.name, entry.size);
    }
    if (i !== index.length) throw fail(`it holds ${i} entries, the index ${index.length}`);
    return;
  }
  const picks = new Set([0, index.length - 1, ...[1, 2, 3].map((k) => Math.floor((index.length * k) / 4))]);
  for (const i of picks) {
    const e: IndexEntry = index[i]!;
    const header = await port.get(r.key, {
      range: { start: e.headerOffset, end: e.headerOffset + e.headerBlocks * BLOCK - 1 },
      signal,
    });
    // The header blocks alone: the parser reports an entry once its header is complete.
    const entry = new TarParser({ all: true }).push(await header.bytes())[0];
    if (!entry) throw fail(`no header at byte ${e.headerOffset} for entry ${i}`);
    check(i, entry.name, entry.size);
  }
}

function overlap(name: string, a: Pick<Datarange, 'first' | 'last' | 'key'>, b: Datarange) {
  return bkError(
    'InvalidArgument',
    `${b.key} (${b.first}..${b.last}) overlaps ${a.key} (${a.first}..${a.last}) in ${name}: delete the stale one (often the lower counter, left by an aggregation) and import again`,
    {
      details: {
        dataset: name,
        key: b.key,
        overlaps: { first: String(a.first), last: String(a.last), key: a.key },
      },
    },
  );
}
