import { BucketkitError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { RESERVED_PREFIX } from './context.js';
import type { UploadAcl } from './identity/index.js';
import { s3Error } from './s3-errors.js';
import { deleteSwept, type UploadEncryption } from './sse/index.js';

/*
 * Multipart state lives in the bucket's own port, under the reserved prefix: an `upload` record per
 * upload and one object per part (the part itself, or for ports with their own multipart API a small
 * JSON record of the part the port holds).
 */

export const UPLOADS = `${RESERVED_PREFIX}uploads/`;

export interface UploadRecord {
  key: string;
  initiated: string;
  /** Who started the upload (a user id; records written before it was kept show the caller instead). */
  initiator?: string;
  contentType?: string;
  metadata: Record<string, string>;
  /** The port's own upload id when the port's multipart API holds the parts. */
  native?: string;
  /** How the parts and the object are sealed (CreateMultipartUpload's encryption headers). */
  sse?: UploadEncryption;
  /** The ACL CreateMultipartUpload's headers asked for, recorded on the object at Complete. */
  acl?: UploadAcl;
}

/** A part as ListParts and Complete see it. */
export interface PartInfo {
  etag: string;
  size: number;
  lastModified: Date;
}

export const dirOf = (id: string): string => `${UPLOADS}${id}/`;
export const partKey = (id: string, n: number): string => `${dirOf(id)}part-${String(n).padStart(5, '0')}`;

export function noSuchUpload(id: string): BucketkitError {
  return s3Error(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { uploadId: id.slice(0, 64) },
  );
}

/** The upload record of `id`, which must belong to `key`; else NoSuchUpload. */
export async function readUpload(
  port: StoragePort,
  id: string,
  key: string,
  signal: AbortSignal,
): Promise<UploadRecord> {
  if (!/^[0-9a-f]{32}$/.test(id)) throw noSuchUpload(id);
  let record: UploadRecord;
  try {
    record = JSON.parse(await (await port.get(`${dirOf(id)}upload`, { signal })).text()) as UploadRecord;
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) throw noSuchUpload(id);
    throw err;
  }
  if (record.key !== key) throw noSuchUpload(id);
  return record;
}

/** The uploaded parts by number: listed objects, or read from their records for native uploads. */
export async function listParts(
  port: StoragePort,
  id: string,
  record: UploadRecord,
  signal: AbortSignal,
): Promise<Map<number, PartInfo>> {
  const parts = new Map<number, PartInfo>();
  for await (const entry of port.list({ prefix: `${dirOf(id)}part-`, signal })) {
    if (entry.type !== 'object') continue;
    const n = Number(entry.key.slice(-5));
    if (!record.native) {
      parts.set(n, entry);
      continue;
    }
    const saved = JSON.parse(await (await port.get(entry.key, { signal })).text()) as {
      etag: string;
      size: number;
    };
    parts.set(n, { etag: saved.etag, size: saved.size, lastModified: entry.lastModified });
  }
  return parts;
}

/** Deletes an upload's parts, then its record. */
export async function removeUpload(port: StoragePort, id: string): Promise<void> {
  const keys: string[] = [];
  for await (const entry of port.list({ prefix: dirOf(id) }))
    if (entry.type === 'object') keys.push(entry.key);
  // the record last: an upload is listed until all its parts are gone
  keys.sort((a, b) => (a.endsWith('/upload') ? 1 : b.endsWith('/upload') ? -1 : 0));
  // a sealed SSE-S3 part keeps its plaintext MD5 in a record, which goes with it
  for (const key of keys) await deleteSwept(port, key);
}
