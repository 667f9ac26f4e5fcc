/**
 * Datapoint file names and datarange object keys, in datas3t's exact formats so buckets written by
 * datas3t are read as they are: `%020d.<ext>` entries, and
 * `datas3t/{dataset}/dataranges/{first:%020d}-{last:%020d}-{counter:%012d}.tar` / `.index` objects.
 */
import { bkError } from '../errors.js';

/** The greatest datapoint key: datas3t keys are uint64. */
export const MAX_DATAPOINT_KEY = 2n ** 64n - 1n;
/** The greatest upload counter that fits its 12 digits. */
export const MAX_UPLOAD_COUNTER = 999_999_999_999;

const DATAPOINT_NAME = /^(\d{20})\.(.*)$/s;
const DATASET_NAME = /^[a-zA-Z0-9_-]+$/;
const DATARANGE_KEY = /^datas3t\/([a-zA-Z0-9_-]+)\/dataranges\/(\d{20})-(\d{20})-(\d{12})\.(tar|index)$/;

/** A datapoint file name split into its key and its extension (without the dot). */
export interface DatapointName {
  key: bigint;
  /** Everything after the first dot: `json`, `json.zst`, `tar.gz`. */
  ext: string;
}

/**
 * Parses a datapoint's TAR entry name. The first dot splits the key from the extension, so compound
 * extensions survive. Throws `InvalidArgument` for anything else, directories included.
 *
 * @example
 * ```ts
 * parseDatapointName('00000000000000000042.json.zst'); // { key: 42n, ext: 'json.zst' }
 * ```
 */
export function parseDatapointName(name: string): DatapointName {
  const match = DATAPOINT_NAME.exec(name);
  if (!match) {
    throw bkError('InvalidArgument', `"${name}" is not a datapoint name (20 digits, a dot, an extension)`, {
      details: { name },
    });
  }
  const key = BigInt(match[1]!);
  if (key > MAX_DATAPOINT_KEY) {
    throw bkError('InvalidArgument', `datapoint key of "${name}" exceeds uint64`, { details: { name } });
  }
  const ext = match[2]!;
  if (ext.includes('/') || ext.includes('\0')) {
    throw bkError('InvalidArgument', `the extension of "${name}" may not contain "/" or NUL`, {
      details: { name },
    });
  }
  return { key, ext };
}

/**
 * Formats a datapoint's TAR entry name: the key zero-padded to 20 digits, a dot, the extension.
 *
 * @example
 * ```ts
 * formatDatapointName(42n, 'json'); // '00000000000000000042.json'
 * ```
 */
export function formatDatapointName(key: bigint | number, ext: string): string {
  const k = toDatapointKey(key);
  if (ext.includes('/') || ext.includes('\0')) {
    throw bkError('InvalidArgument', 'a datapoint extension may not contain "/" or NUL', {
      details: { ext },
    });
  }
  return `${pad(k, 20)}.${ext}`;
}

/** The two objects of one datarange. */
export interface DatarangeKeys {
  data: string;
  index: string;
}

/** What a datarange object key says. */
export interface DatarangeKeyInfo {
  dataset: string;
  first: bigint;
  last: bigint;
  counter: number;
  kind: 'data' | 'index';
}

/**
 * The prefix under which a dataset's dataranges live.
 *
 * @example
 * ```ts
 * datarangePrefix('ds'); // 'datas3t/ds/dataranges/'
 * ```
 */
export function datarangePrefix(dataset: string): string {
  checkDataset(dataset);
  return `datas3t/${dataset}/dataranges/`;
}

/**
 * The data and index object keys of a datarange.
 *
 * @example
 * ```ts
 * datarangeKeys('ds', 1n, 1000n, 1).data;
 * // 'datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.tar'
 * ```
 */
export function datarangeKeys(
  dataset: string,
  first: bigint | number,
  last: bigint | number,
  counter: number,
): DatarangeKeys {
  const f = toDatapointKey(first);
  const l = toDatapointKey(last);
  if (f > l) {
    throw bkError('InvalidArgument', `a datarange's first datapoint ${f} is after its last ${l}`, {
      details: { first: String(f), last: String(l) },
    });
  }
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_UPLOAD_COUNTER) {
    throw bkError('InvalidArgument', `upload counter ${counter} is not an integer of 0 to 12 digits`, {
      details: { counter },
    });
  }
  const stem = `${datarangePrefix(dataset)}${pad(f, 20)}-${pad(l, 20)}-${pad(BigInt(counter), 12)}`;
  return { data: `${stem}.tar`, index: `${stem}.index` };
}

/**
 * Parses a datarange data (`.tar`) or index (`.index`) object key; `undefined` for any other key, so
 * a listing can be filtered with it. Keys whose first is after their last are not dataranges either.
 *
 * @example
 * ```ts
 * parseDatarangeKey('datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.tar');
 * // { dataset: 'ds', first: 1n, last: 1000n, counter: 1, kind: 'data' }
 * ```
 */
export function parseDatarangeKey(key: string): DatarangeKeyInfo | undefined {
  const match = DATARANGE_KEY.exec(key);
  if (!match) return undefined;
  const first = BigInt(match[2]!);
  const last = BigInt(match[3]!);
  if (first > last || last > MAX_DATAPOINT_KEY) return undefined;
  return {
    dataset: match[1]!,
    first,
    last,
    counter: Number(match[4]!),
    kind: match[5] === 'tar' ? 'data' : 'index',
  };
}

function checkDataset(dataset: string): void {
  if (!DATASET_NAME.test(dataset)) {
    throw bkError('InvalidArgument', `dataset name "${dataset}" must match ^[a-zA-Z0-9_-]+$`, {
      details: { dataset },
    });
  }
}

function toDatapointKey(key: bigint | number): bigint {
  if (typeof key === 'number' && !Number.isSafeInteger(key)) {
    throw bkError('InvalidArgument', `datapoint key ${key} is not a safe integer; pass a bigint`, {
      details: { datapoint: key },
    });
  }
  const k = BigInt(key);
  if (k < 0n || k > MAX_DATAPOINT_KEY) {
    throw bkError('InvalidArgument', `datapoint key ${k} is outside uint64`, {
      details: { datapoint: String(k) },
    });
  }
  return k;
}

const pad = (n: bigint, width: number) => n.toString().padStart(width, '0');
