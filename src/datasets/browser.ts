/**
 * `bucketkit/datasets/browser`: datasets without Node-only code, for browsers: the TAR and index codecs,
 * and the catalog's reads and writes on any port you give it (in a page, typically `httpStorage` from
 * `bucketkit/storage/browser` to read datasets a Node process writes). Everything `bucketkit/datasets`
 * has except the named storage configs (`storageConfigs`), whose ports are Node's.
 *
 * @example
 * ```ts
 * import { datasets, get } from 'bucketkit/datasets/browser';
 * import { httpStorage } from 'bucketkit/storage/browser';
 * const ds = datasets(httpStorage({ url: 'https://data.example.com/bucket' })).open('frames');
 * const bytes = await get(ds, 42); // one ranged GET once the datarange's index is cached
 * ```
 */
export {
  type AggregateOptions,
  type AggregateResult,
  type AggregateStep,
  aggregate,
} from './aggregate.js';
export { type CasOptions, type ManifestState, readManifest, updateManifest } from './catalog.js';
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
export { type RemoveResult, removeDataranges } from './remove.js';
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
