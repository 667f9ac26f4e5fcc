export {
  CHUNK,
  type DataKey,
  importDataKey,
  openChunks,
  openedSize,
  sealChunks,
  sealedRange,
  sealedSize,
  TAG,
} from './chunks.js';
export { openSealedBody, openSealedRange, type SealedSpan } from './sealed-range.js';
export { limited, streamFrom } from './streams.js';
export { fromBase64, importWrappingKey, newDataKey, toBase64, unwrapKey, wrapKey } from './wrap.js';
