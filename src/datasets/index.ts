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
// the browser entry's surface, and the named storage configs (Node: their ports are s3 ports)
export * from './browser.js';
export {
  type StorageConfig,
  type StorageConfigInfo,
  type StorageConfigs,
  type StorageConfigsOptions,
  storageConfigs,
} from './configs.js';
