/**
 * bucketkit/datasets — datasets of numbered datapoints stored as TAR dataranges with a binary index,
 * in datas3t's formats: the pure codecs, and a catalog on any StoragePort that enforces conditional
 * writes (one compare-and-swap manifest per dataset).
 *
 * @example
 * ```ts
 * import { datasets, get, range, uploadDatarange } from 'bucketkit/datasets';
 * const ds = await datasets(port).create('frames');
 * await uploadDatarange(ds, [{ n: 1, ext: 'json', body: '{}' }]);
 * const bytes = await get(ds, 1);
 * for await (const point of range(ds, 1, 100)) console.log(point.name);
 * ```
 *
 * ```ts
 * import { buildIndex, datarangeKeys, readTar, tarBytes, validateDatarange } from 'bucketkit/datasets';
 * const tar = tarBytes([{ name: '00000000000000000001.json', body }]);
 * const entries = readTar(tar);
 * validateDatarange(entries, { first: 1n, last: 1n });
 * const index = buildIndex(entries);
 * const keys = datarangeKeys('ds', 1n, 1n, 1);
 * ```
 */
export { type CasOptions, type ManifestState, readManifest, updateManifest } from './catalog.js';
export {
  type Dataset,
  type DatasetSummary,
  type Datasets,
  type DatasetsOptions,
  datasets,
} from './datasets.js';
export { type IndexCache, type IndexCacheOptions, indexCache } from './index-cache.js';
export {
  type Datarange,
  decodeManifest,
  encodeManifest,
  MANIFEST_FORMAT,
  type Manifest,
  manifestKey,
} from './manifest.js';
export {
  type DatapointName,
  type DatarangeKeyInfo,
  type DatarangeKeys,
  datarangeKeys,
  datarangePrefix,
  formatDatapointName,
  MAX_DATAPOINT_KEY,
  MAX_UPLOAD_COUNTER,
  parseDatapointName,
  parseDatarangeKey,
} from './names.js';
export { coverage, type Datapoint, get, type RangeOptions, range, type Span } from './read.js';
export {
  buildIndex,
  decodeIndex,
  encodeIndex,
  entriesRange,
  INDEX_ENTRY_BYTES,
  type IndexEntry,
  MAX_INDEXED_SIZE,
  validateDatarange,
} from './tar-index.js';
export { readTar, readTarStream, tarContent } from './tar-read.js';
export { type TarEntry, type TarEntryType, TarParser, type TarReadOptions } from './tar-reader.js';
export { type TarWriteEntry, type TarWriteOptions, tarBytes, writeTar } from './tar-writer.js';
export { type DatapointInput, type DatarangeInput, uploadDatarange } from './upload.js';
