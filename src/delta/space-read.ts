/** How stored objects are described and checked when a DeltaSpace reads them. */
import { bkError } from '../errors.js';
import type { Metadata, ObjectInfo } from '../storage/index.js';
import { sha256Hex } from './cache.js';
import { originalEtag, readField, userMetadataOf } from './metadata.js';
import type { DeltaFileInfo, DeltaPutOptions, StoredAs } from './space-types.js';

export function writeOptions(options: DeltaPutOptions): { signal?: AbortSignal; contentType: string } {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    contentType: options.contentType ?? 'application/octet-stream',
  };
}

export function describe(name: string, storedAs: StoredAs, object: ObjectInfo): DeltaFileInfo {
  const { metadata, size: storedSize, lastModified } = object;
  const declared = Number(readField(metadata, 'file-size'));
  const size = storedAs === 'direct' ? storedSize : Number.isSafeInteger(declared) ? declared : Number.NaN;
  const etag = originalEtag(metadata, object.etag);
  const info: DeltaFileInfo = {
    name,
    key: object.key,
    storedAs,
    size,
    storedSize,
    etag,
    lastModified,
    metadata: userMetadataOf(metadata),
  };
  const sha = readField(metadata, 'file-sha256');
  if (sha !== undefined) info.sha256 = sha.toLowerCase();
  if (object.contentType !== undefined) info.contentType = object.contentType;
  return info;
}

export function verifySha256(bytes: Uint8Array, metadata: Metadata, key: string): void {
  const expected = readField(metadata, 'file-sha256');
  if (expected === undefined) return; // a regular object, not written by DeltaGlider: served as is
  const actual = sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw bkError('Corrupt', 'the file read back does not match its SHA-256', {
      details: { key, expected, actual },
    });
  }
}
