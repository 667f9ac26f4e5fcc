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
export {
  type AggregateOptions,
  type AggregateResult,
  type AggregateStep,
  aggregate,
} from './aggregate.js';
export { type CasOptions, type ManifestState, readManifest, updateManifest } from './catalog.js';
export {
  type StorageConfig,
  type StorageConfigInfo,
  type StorageConfigs,
  type StorageConfigsOptions,
  storageConfigs,
} from './configs.js';
export { MAX_PART, MIN_PART, type PlannedPart, planParts, type Segment } from './copy-plan.js';
export {
  type Dataset,
  type DatasetSummary,
  type Datasets,
  type DatasetsOptions,
  datasets,
} from './datasets.js';
export { type GcOptions, type GcResult, gc } from './gc.js';
export { findDatasets, type ImportOptions, type ImportResult, importDataset } from './import.js';
export { type IndexCache, type IndexCacheOptions, indexCache } from './index-cache.js';
export {
  type Datarange,
  decodeManifest,
  encodeManifest,
  MANIFEST_FORMAT,
  type Manifest,
  manifestKey,
  type Reservation,
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
export {
  DEFAULT_TIERS,
  type OptimizeOptions,
  optimize,
  type PlannedAggregate,
  planOptimize,
  type SizeTier,
} from './optimize.js';
export {
  MAX_BITMAP_BITS,
  type Presence,
  type PresignedSegment,
  present,
  presignRange,
} from './present.js';
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
export {
  type DatapointInput,
  type DatarangeInput,
  type UploadOptions,
  uploadDatarange,
} from './upload.js';
export { type StreamUploadOptions, uploadTarStream } from './upload-stream.js';
