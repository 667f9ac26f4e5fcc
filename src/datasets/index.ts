/**
 * bucketkit/datasets — datasets of numbered datapoints stored as TAR dataranges with a binary index,
 * in datas3t's formats. This layer holds the pure codecs; storage comes on top of it.
 *
 * @example
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
  buildIndex,
  decodeIndex,
  encodeIndex,
  entriesRange,
  INDEX_ENTRY_BYTES,
  type IndexEntry,
  MAX_INDEXED_SIZE,
  validateDatarange,
} from './tar-index.js';
export {
  readTar,
  readTarStream,
  type TarEntry,
  type TarEntryType,
  TarParser,
  type TarReadOptions,
  tarContent,
} from './tar-reader.js';
export { type TarWriteEntry, type TarWriteOptions, tarBytes, writeTar } from './tar-writer.js';
