/**
 * The storage contract every adapter and wrapper implements (see DESIGN.md, "The one idea").
 * Modules above the storage layer depend on this file only, never on an adapter.
 */

/** Anything a port accepts as an object body. Streams of unknown length are never held whole. */
export type Body = Uint8Array | string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** User metadata: lowercase ASCII keys, printable-ASCII string values, 2 KiB in total (S3's rule). */
export type Metadata = Record<string, string>;

/** Options every call that waits accepts. */
export interface Abortable {
  /** Cancels the call; it then rejects with a `BucketkitError` of code `Aborted`. */
  signal?: AbortSignal;
}

/** Upload progress, reported as bytes are read from the body. */
export interface Progress {
  loaded: number;
  /** Known only when the body's length is known up front. */
  total?: number;
}

export interface PutOptions extends Abortable {
  metadata?: Metadata;
  contentType?: string;
  /** `'*'`: create only. The write fails with `PreconditionFailed` when the key exists. */
  ifNoneMatch?: '*';
  /** Compare-and-swap: the write succeeds only while the object's ETag equals this one. */
  ifMatch?: string;
  onProgress?: (progress: Progress) => void;
  /**
   * `'any'`: the caller never compares the ETag with a hash of the content, so a port that hashes the
   * body only to make its ETag (file, memory) may skip the hash and return a token unique to this write
   * (32 hex digits, like an S3 ETag of an encrypted object). S3 servers make their own ETag either way.
   * Default `'md5'`. Wrappers that keep shards or parts in inner ports use it for those.
   */
  etag?: 'md5' | 'any';
}

export interface PutResult {
  /**
   * MD5 hex of the content, or `md5(concat(part md5s))-N` for multipart objects (with `etag: 'any'`, maybe
   * a token unique to the write). No quotes.
   */
  etag: string;
  size: number;
}

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. `end` past the last byte is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetOptions extends Abortable {
  range?: ByteRange;
  /** Fails with `PreconditionFailed` unless the object's ETag equals this one. */
  ifMatch?: string;
}

export interface ObjectInfo {
  key: string;
  /** The size of the whole object, even for a ranged read. */
  size: number;
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata: Metadata;
}

export interface GetResult extends ObjectInfo {
  /** The requested bytes. Read it once: through `body`, `bytes()` or `text()`. */
  body: ReadableStream<Uint8Array>;
  /** The byte range actually returned (inclusive), when the read was ranged. */
  range?: { start: number; end: number };
  bytes(): Promise<Uint8Array>;
  /** The body as UTF-8 text, exactly: a leading U+FEFF (byte order mark) is kept, not dropped. */
  text(): Promise<string>;
}

export interface ListOptions extends Abortable {
  prefix?: string;
  /** Groups keys sharing a prefix up to the delimiter into one `prefix` entry (a "folder"). */
  delimiter?: string;
  /** Lists keys strictly after this one, in UTF-8 byte order. */
  startAfter?: string;
  /** Keys per backend request (1-1000); listing pages on transparently whatever this is. */
  pageSize?: number;
}

export interface ListedObject {
  type: 'object';
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListedPrefix {
  type: 'prefix';
  prefix: string;
}

export type ListEntry = ListedObject | ListedPrefix;

export interface CopyOptions extends Abortable {
  /** Replace the metadata (S3's `REPLACE` directive); by default the source's metadata is kept. */
  metadata?: Metadata;
  contentType?: string;
  ifNoneMatch?: '*';
  /** Fails with `PreconditionFailed` unless the source's ETag equals this one. */
  ifSourceMatch?: string;
  /**
   * The destination mirrors the source as it is (a copy that keeps its metadata, such as the gateway's
   * copy of a key's newest version at the key): a port may then store one record under both names,
   * which shows the source's Last-Modified (the file port hard-links small objects' records). Other
   * ports make a plain copy.
   */
  mirror?: boolean;
}

export interface DeleteManyResult {
  deleted: number;
}

export interface StorageCapabilities {
  /** `ifNoneMatch: '*'` and `ifMatch` are enforced atomically. When false, such writes throw `Unsupported`. */
  conditionalWrites: boolean;
  /** `port.multipart` is available. */
  multipart: boolean;
  /** `port.presign` is available. */
  presign: boolean;
  /** Why a capability is off (e.g. "the server ignored If-None-Match in the probe"). */
  notes?: string[];
}

export interface PartRef {
  partNumber: number;
  etag: string;
}

/** S3-style multipart uploads, where a port has them (`capabilities.multipart`). */
export interface MultipartApi {
  create(key: string, options?: Omit<PutOptions, 'ifMatch' | 'ifNoneMatch' | 'onProgress'>): Promise<string>;
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options?: Abortable,
  ): Promise<PartRef>;
  uploadPartCopy(
    key: string,
    uploadId: string,
    partNumber: number,
    source: { key: string; range?: ByteRange },
    options?: Abortable,
  ): Promise<PartRef>;
  complete(key: string, uploadId: string, parts: PartRef[], options?: Abortable): Promise<PutResult>;
  abort(key: string, uploadId: string, options?: Abortable): Promise<void>;
}

export interface PresignOptions {
  /** Seconds the URL stays valid (default 900, at most 604800). */
  expiresIn?: number;
}

/**
 * The storage contract. Keys are any UTF-8 string of 1 to 1024 bytes with S3 semantics:
 * `..`, `//`, a trailing `/` and unicode are ordinary characters.
 *
 * @example
 * ```ts
 * const port = connect('file://./data');
 * await port.put('hello.txt', 'hi', { ifNoneMatch: '*' });
 * const text = await (await port.get('hello.txt')).text();
 * for await (const entry of port.list({ prefix: 'logs/', delimiter: '/' })) console.log(entry);
 * ```
 */
export interface StoragePort {
  /** A short human name for logs and errors, e.g. `file:/srv/data` or `s3:bucket/prefix`. */
  readonly name: string;
  /**
   * Where this port's keys sit inside its bucket or folder: the prefix a `prefixed` port (and so a
   * connection string with a path after the bucket) adds to every key. Absent means none. Formats that
   * store keys inside objects (DeltaGlider's `dg-ref-key`) write them relative to the bucket with it.
   */
  readonly keyPrefix?: string;
  capabilities(options?: Abortable): Promise<StorageCapabilities>;
  put(key: string, body: Body, options?: PutOptions): Promise<PutResult>;
  get(key: string, options?: GetOptions): Promise<GetResult>;
  head(key: string, options?: Abortable): Promise<ObjectInfo>;
  list(options?: ListOptions): AsyncIterable<ListEntry>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string, options?: Abortable): Promise<void>;
  deleteMany(keys: Iterable<string> | AsyncIterable<string>, options?: Abortable): Promise<DeleteManyResult>;
  copy(source: string, destination: string, options?: CopyOptions): Promise<PutResult>;
  /**
   * Optional: `put(key, body, options)` and then `copy(key, mirror, { mirror: true })`, in a way
   * cheaper than the two (the file port makes one file for a small create-only write). Wrappers that
   * do not forward it leave it out; callers fall back to the two calls.
   */
  putMirrored?(key: string, mirror: string, body: Body, options?: PutOptions): Promise<PutResult>;
  multipart?: MultipartApi;
  presign?(method: 'GET' | 'PUT', key: string, options?: PresignOptions): Promise<string>;
  /** Releases sockets, file handles and timers. The port is unusable afterwards. */
  close?(): Promise<void>;
}
