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
export {
  openFetchedRange,
  openSealedBody,
  openSealedRange,
  type SealedSpan,
  sealedRequest,
} from './sealed-range.js';
export { limited, sliced, streamFrom } from './streams.js';
export { fromBase64, importWrappingKey, newDataKey, toBase64, unwrapKey, wrapKey } from './wrap.js';
