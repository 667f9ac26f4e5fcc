import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header } from '../http.js';
import { s3Error } from '../s3-errors.js';

/** A customer-provided key (SSE-C), checked against its MD5. */
export interface CustomerKey {
  raw: Uint8Array;
  /** Base64 MD5 of the key, as the client sent it (echoed in responses). */
  md5: string;
}

/** How a write asks for its object to be encrypted. */
export type WriteEncryption =
  | { mode: 'AES256' }
  | { mode: 'aws:kms'; keyId?: string }
  | { mode: 'SSE-C'; key: CustomerKey };

const SSE = 'x-amz-server-side-encryption';
const CUSTOMER = `${SSE}-customer-`;
const COPY_CUSTOMER = 'x-amz-copy-source-server-side-encryption-customer-';

/** The write headers the gateway implements; `bucket-key-enabled` only tunes KMS costs, so it changes nothing here. */
const KNOWN = new Set([
  SSE,
  `${SSE}-aws-kms-key-id`,
  `${SSE}-bucket-key-enabled`,
  `${CUSTOMER}algorithm`,
  `${CUSTOMER}key`,
  `${CUSTOMER}key-md5`,
]);

const invalid = (message: string) => s3Error('InvalidArgument', 400, message);

/**
 * The customer key a request carries under `prefix` (`x-amz-server-side-encryption-customer-` or the
 * copy-source form): all three headers or none, algorithm AES256, a 256-bit key whose MD5 matches.
 *
 * @example
 * ```ts
 * const key = customerKey(req.headers, 'x-amz-server-side-encryption-customer-');
 * ```
 */
export function customerKey(headers: IncomingHttpHeaders, prefix = CUSTOMER): CustomerKey | undefined {
  const algorithm = header(headers, `${prefix}algorithm`);
  const key = header(headers, `${prefix}key`);
  const md5 = header(headers, `${prefix}key-md5`);
  if (!algorithm && !key && !md5) return undefined;
  if (!algorithm) {
    throw invalid(
      'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
    );
  }
  if (algorithm !== 'AES256') {
    throw s3Error(
      'InvalidEncryptionAlgorithmError',
      400,
      'The encryption request you specified is not valid. The valid value is AES256.',
    );
  }
  if (!key) {
    throw invalid(
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
    );
  }
  const raw = Buffer.from(key, 'base64');
  if (raw.byteLength !== 32 || raw.toString('base64') !== key.trim()) {
    throw invalid('The secret key was invalid for the specified algorithm.');
  }
  if (!md5) {
    throw invalid(
      'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
    );
  }
  if (createHash('md5').update(raw).digest('base64') !== md5.trim()) {
    throw invalid('The calculated MD5 hash of the key did not match the hash that was provided.');
  }
  return { raw: new Uint8Array(raw), md5: md5.trim() };
}

/** The customer key of a copy's source object (`x-amz-copy-source-server-side-encryption-customer-*`). */
export function copySourceKey(headers: IncomingHttpHeaders): CustomerKey | undefined {
  return customerKey(headers, COPY_CUSTOMER);
}

/**
 * What encryption a write asks for: `x-amz-server-side-encryption` (AES256, aws:kms with an optional key
 * id) or a customer key; both at once, or a value S3 does not know, is refused.
 *
 * @example
 * ```ts
 * const wanted = writeEncryption(req.headers); // { mode: 'AES256' }
 * ```
 */
export function writeEncryption(headers: IncomingHttpHeaders): WriteEncryption | undefined {
  for (const name of Object.keys(headers)) {
    if (name.startsWith(SSE) && !KNOWN.has(name)) {
      throw s3Error('NotImplemented', 501, `the gateway does not implement the ${name} header`);
    }
  }
  const sse = header(headers, SSE).trim();
  const keyId = header(headers, `${SSE}-aws-kms-key-id`).trim();
  const customer = customerKey(headers);
  if (customer) {
    if (sse) {
      throw invalid(
        'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
      );
    }
    return { mode: 'SSE-C', key: customer };
  }
  if (!sse) {
    if (keyId) throw invalid(`${SSE}-aws-kms-key-id is only valid with ${SSE}: aws:kms`);
    return undefined;
  }
  if (sse === 'AES256') {
    if (keyId) throw invalid(`${SSE}-aws-kms-key-id is only valid with ${SSE}: aws:kms`);
    return { mode: 'AES256' };
  }
  if (sse === 'aws:kms') return keyId ? { mode: 'aws:kms', keyId } : { mode: 'aws:kms' };
  if (sse === 'aws:kms:dsse') {
    throw s3Error(
      'NotImplemented',
      501,
      'dual-layer SSE-KMS (aws:kms:dsse) is not implemented by the gateway',
    );
  }
  throw invalid(`The encryption method specified is not supported: ${SSE} must be AES256 or aws:kms`);
}

/** Whether a request carries any server-side-encryption header (for operations that must refuse them). */
export function hasEncryptionHeaders(headers: IncomingHttpHeaders): boolean {
  for (const name of Object.keys(headers)) {
    if (name.startsWith(SSE) || name.startsWith('x-amz-copy-source-server-side-encryption')) return true;
  }
  return false;
}
