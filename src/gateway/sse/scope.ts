import type { ServerResponse } from 'node:http';
import type { Keyring } from './keyring.js';
import type { CustomerKey, WriteEncryption } from './request.js';

/** What one request may do with encrypted objects. */
export interface SseScope {
  keyring: Keyring;
  /** The customer key sent for reading (GET/HEAD headers, or a copy's source headers). */
  readKey: CustomerKey | undefined;
  /** `head` is the client's HeadObject (the key is checked) rather than an internal look. */
  guardHead: boolean;
  /** How a PutObject/CopyObject stores its object; undefined: as plaintext. */
  write: WriteEncryption | undefined;
  /** Where the SSE response headers go. */
  res: ServerResponse;
  /** The request came over TLS (customer keys are refused otherwise, as S3 does). */
  secure: boolean;
  /** A write naming no encryption takes the bucket's default encryption. */
  byDefault: boolean;
  /** The object data this request writes is already sealed (an SSE-C upload assembled from its parts). */
  preSealed?: boolean;
}
