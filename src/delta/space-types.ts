/** What a DeltaSpace takes and returns. */
import type { Abortable, Metadata, Progress } from '../storage/index.js';

export interface DeltaPutOptions extends Abortable {
  /** The caller's metadata, stored as `user-<key>` next to the `dg-*` keys (the proxy's convention). */
  metadata?: Metadata;
  /** Content type of the stored object (default `application/octet-stream`, as DeltaGlider writes). */
  contentType?: string;
  /** Store the file as itself, whatever the policy says (conditional writes need one object). */
  direct?: boolean;
  /** Passed to the backend write of a `direct` file: create only. */
  ifNoneMatch?: '*';
  /** Passed to the backend write of a `direct` file: compare-and-swap on the stored object's ETag. */
  ifMatch?: string;
  /**
   * How far the put has got, in bytes of the file (`total` is its size): a direct file reports its upload;
   * a delta reports the create-only write of `reference.bin` as the first half and the encoding, window
   * by window, as the second. It ends with `loaded === total` once the file is stored.
   */
  onProgress?: (progress: Progress) => void;
}

/** How a file is stored: as a delta against the reference, or as itself. */
export type StoredAs = 'delta' | 'direct';

export interface DeltaPutResult {
  name: string;
  /** The key of the object written (`<name>.delta` or `<name>`). */
  key: string;
  storedAs: StoredAs;
  size: number;
  /** Bytes actually stored for this file (the delta's size for deltas). */
  storedSize: number;
  /** True when this put created `reference.bin`. */
  createdReference: boolean;
  /** Hex MD5 of the file. */
  etag: string;
}

export interface DeltaListEntry {
  name: string;
  key: string;
  storedAs: StoredAs;
  /** The original file's size (`NaN` for a delta without `dg-file-size`). */
  size: number;
  storedSize: number;
  /** Hex SHA-256 of the original file, when the metadata has it (listings know it for deltas only). */
  sha256?: string;
  /** MD5 of the original file (`dg-md5`), else the stored object's ETag. */
  etag: string;
  lastModified: Date;
}

export interface DeltaFileInfo extends DeltaListEntry {
  contentType?: string;
  /** The caller's metadata (see `DeltaPutOptions.metadata`). */
  metadata: Metadata;
}

export interface DeltaVerifyResult {
  name: string;
  key: string;
  storedAs: StoredAs;
  size: number;
  sha256: string;
  /** False for a regular object: it carries no SHA-256 to check against. */
  checked: boolean;
}

export interface DeltaStats {
  files: number;
  deltas: number;
  directs: number;
  /** Sum of the original sizes. */
  originalBytes: number;
  /** Bytes held in storage: deltas, direct objects and `reference.bin`. */
  storedBytes: number;
  referenceBytes: number;
  /** storedBytes / originalBytes (1 for an empty DeltaSpace). */
  ratio: number;
  savedBytes: number;
}
