/** Browser uploads (POST Object with a signed policy). */
export { drainForm, formBoundary, type PostForm, readPostForm } from './form.js';
export { type PostAuthOptions, type PostGrant, verifyPostPolicy } from './policy.js';
export {
  answerUpload,
  type BrowserUpload,
  browserUploadBoundary,
  MAX_FIELD_BYTES,
  readBrowserUpload,
} from './upload.js';
