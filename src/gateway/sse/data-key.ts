/** The hidden metadata of sealed objects, and opening their data keys for one request. */
import {
  type DataKey,
  importDataKey,
  importWrappingKey,
  type Metadata,
  type ObjectInfo,
  unwrapKey,
} from '../../storage/index.js';
import { s3Error } from '../s3-errors.js';
import { WRAPPED_META } from './assembled.js';
import { wrapContext } from './listing.js';
import type { SseScope } from './scope.js';

/** Hidden metadata of an encrypted object: its mode, the wrapped data key and the master key's id. */
export const SSE_META = 'bucketkit.sse';
export const KEY_ID_META = 'bucketkit.sse-kid';

export type Mode = 'AES256' | 'aws:kms' | 'SSE-C';

/** The SSE mode a stored object was sealed with; undefined: plaintext. */
export const modeOf = (metadata: Metadata): Mode | undefined => metadata[SSE_META] as Mode | undefined;

/** A GET or HEAD of an SSE-C object that sent no customer key. */
export const keyNeeded = (key: string) =>
  s3Error(
    'InvalidRequest',
    400,
    'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    { key },
  );

/** Customer-key headers on a read of an object not sealed with a customer key. */
export const notApplicable = () =>
  s3Error('InvalidRequest', 400, 'The encryption parameters are not applicable to this object.');

/**
 * The data key of sealed object `info` (not an assembled one), unwrapped with the request's customer
 * key or the master key named in its metadata; the key's headers go on the response. A wrong customer
 * key is 403, a missing one 400, a master key not in the ring 500.
 *
 * @example
 * ```ts
 * const dataKey = await openDataKey(scope, stored);
 * ```
 */
export async function openDataKey(scope: SseScope, info: ObjectInfo): Promise<DataKey> {
  const mode = modeOf(info.metadata)!;
  const wrapped = info.metadata[WRAPPED_META] ?? '';
  if (mode === 'SSE-C') {
    if (!scope.readKey) throw keyNeeded(info.key);
    const context = wrapContext(info.key, mode);
    const raw = await unwrapKey(await importWrappingKey(scope.readKey.raw), wrapped, context);
    if (!raw)
      throw s3Error(
        'AccessDenied',
        403,
        'Access Denied: the customer key is not the key the object was stored with',
        { key: info.key },
      );
    scope.res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    scope.res.setHeader('x-amz-server-side-encryption-customer-key-md5', scope.readKey.md5);
    return importDataKey(raw);
  }
  if (scope.readKey) throw notApplicable();
  const id = info.metadata[KEY_ID_META] ?? '';
  const kek = await scope.keyring.get(id);
  if (!kek) {
    throw s3Error(
      'InternalError',
      500,
      `the master key "${id}" that encrypted this object is not in the gateway's key ring; add it back`,
      { key: info.key },
    );
  }
  const raw = await unwrapKey(kek, wrapped, mode);
  if (!raw)
    throw s3Error(
      'InternalError',
      500,
      `the data key of this object does not open with master key "${id}": its metadata was changed`,
      { key: info.key },
    );
  announceServerKey(scope, mode, id);
  return importDataKey(raw);
}

/** Names a server-side key's mode (and KMS key id) in the response, as S3 does. */
export function announceServerKey(scope: SseScope, mode: Mode, id: string): void {
  scope.res.setHeader('x-amz-server-side-encryption', mode);
  if (mode === 'aws:kms') scope.res.setHeader('x-amz-server-side-encryption-aws-kms-key-id', id);
}
