/** Bucket lifecycle: the configuration (config.ts) and the sweeper that applies it (sweep.ts). */
export {
  deleteBucketLifecycle,
  getBucketLifecycle,
  type LifecycleRule,
  putBucketLifecycle,
} from './config.js';
export { type LifecycleReport, type LifecycleSweeper, lifecycleSweeper, sweepBucket } from './sweep.js';
