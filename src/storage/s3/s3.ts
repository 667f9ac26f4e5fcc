import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bkError } from '../../errors.js';
import { log } from '../../logger.js';
import { chunksOf, concatBytes, knownLength, prepend, readUpTo } from '../contract/body.js';
import type {
  Abortable,
  Body,
  CopyOptions,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PresignOptions,
  PutOptions,
  PutResult,
  StorageCapabilities,
  StoragePort,
} from '../contract/port.js';
import { assertValidKey, assertValidMetadata, normalizeEtag } from '../contract/validate.js';
import { fromS3Error } from '../wire/errors.js';
import { createClient } from './client.js';
import { deleteObjects } from './delete.js';
import { getObject } from './get.js';
import { LeanS3, leanConfig } from './lean/lean.js';
import { listS3 } from './list.js';
import { s3Multipart } from './multipart.js';
import { type ConditionalSupport, probeConditionalWrites, probeMultipartConditional } from './probe.js';
import { uploadStream } from './upload.js';

export interface S3StorageOptions {
  bucket: string;
  region?: string;
  /** A custom endpoint (MinIO, Ceph, the bucketkit gateway), e.g. `http://127.0.0.1:9000`. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`host/bucket/key`); needed by most self-hosted servers. Default: true with an endpoint. */
  forcePathStyle?: boolean;
  /** Part size for uploads of unknown length (default 8 MiB, at least 5 MiB). Memory used is about `partSize × (queueSize + 1)`. */
  partSize?: number;
  /**
   * Bodies of known length (bytes, strings) up to this size go up as one PutObject, like a raw SDK
   * call (default 64 MiB; S3 allows 5 GiB). Larger ones and streams go multipart.
   */
  singlePutLimit?: number;
  /** Parts uploaded in parallel (default 4). */
  queueSize?: number;
  /** Sockets kept open per host (default 64). */
  maxSockets?: number;
  /** Where the conditional-write probe writes its scratch objects (default `.bucketkit/probe-`). */
  probePrefix?: string;
  /**
   * `v2` (default): ListObjectsV2 with continuation tokens. `v1`: ListObjects with markers, for
   * servers whose V2 paging is broken (s3rver on Node 17+ answers 500: its tokens use DES).
   */
  listApi?: 'v1' | 'v2';
  /** Use an existing client instead (its own config is kept). GET, HEAD, PUT and LIST then use it too. */
  client?: S3Client;
  /**
   * GET, HEAD, single PUT and LIST go straight over node:http(s) with their own SigV4 signer and XML
   * parser, skipping the SDK's middleware (default: true). `false` sends everything through the SDK.
   * The SDK is used anyway when credentials come from anywhere but the options or the AWS_* variables.
   */
  lean?: boolean;
}

const MIB = 1024 * 1024;

/**
 * A port over an S3 bucket (AWS, MinIO, Ceph RGW, the bucketkit gateway...). Conditional writes are
 * used only after a probe shows that the server enforces them; otherwise they throw `Unsupported`.
 *
 * @example
 * ```ts
 * const port = s3Storage({ bucket: 'data', endpoint: 'http://127.0.0.1:9000',
 *   credentials: { accessKeyId: 'key', secretAccessKey: 'secret' } });
 * ```
 */
export function s3Storage(options: S3StorageOptions): StoragePort {
  return new S3Storage(options);
}

class S3Storage implements StoragePort {
  readonly name: string;
  readonly client: S3Client;
  readonly multipart;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly singlePutLimit: number;
  private readonly lean?: LeanS3;
  private support?: Promise<ConditionalSupport>;
  private multipartSupport?: Promise<boolean>;

  constructor(private readonly options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.name = `s3:${options.bucket}`;
    this.partSize = Math.max(options.partSize ?? 8 * MIB, 5 * MIB);
    this.queueSize = options.queueSize ?? 4;
    this.singlePutLimit = Math.min(options.singlePutLimit ?? 64 * MIB, 5 * 1024 * MIB);
    this.client = options.client ?? createClient(options);
    const lean = leanConfig(options);
    if (lean) this.lean = new LeanS3(lean);
    this.multipart = s3Multipart(this.client, this.bucket, (err, key, operation) =>
      this.fail(err, key, operation),
    );
  }

  /** Every S3 error, from every path (SDK, lean, probes, multipart, listing), leaves through here. */
  private fail(err: unknown, key: string | undefined, operation: string): never {
    throw fromS3Error(err, {
      bucket: this.bucket,
      operation,
      endpoint: this.options.endpoint ?? `https://s3.${this.options.region ?? 'us-east-1'}.amazonaws.com`,
      ...(key === undefined ? {} : { key }),
    });
  }

  private conditional(signal?: AbortSignal): Promise<ConditionalSupport> {
    this.support ??= probeConditionalWrites(this.client, this.bucket, this.options.probePrefix, signal)
      .then((support) => {
        log(support.honoured ? 'info' : 'warn', 'storage.s3', 'conditional-write probe', {
          bucket: this.bucket,
          honoured: support.honoured,
          ...(support.note ? { note: support.note } : {}),
        });
        return support;
      })
      .catch((err) => {
        this.support = undefined;
        return this.fail(err, undefined, 'PutObject (the conditional-write probe)');
      });
    return this.support;
  }

  async capabilities(options: Abortable = {}): Promise<StorageCapabilities> {
    const support = await this.conditional(options.signal);
    return {
      conditionalWrites: support.honoured,
      multipart: true,
      presign: true,
      ...(support.note ? { notes: [support.note] } : {}),
    };
  }

  /** The If-Match value this server accepts (some want the ETag unquoted), or throws when unsupported. */
  private async preconditionHeaders(
    options: { ifNoneMatch?: '*'; ifMatch?: string; signal?: AbortSignal },
    key: string,
  ): Promise<{ IfNoneMatch?: string; IfMatch?: string }> {
    if (options.ifNoneMatch === undefined && options.ifMatch === undefined) return {};
    const support = await this.conditional(options.signal);
    if (!support.honoured) {
      throw bkError(
        'Unsupported',
        `${this.name} does not enforce conditional writes (${support.note}); use a server that does (AWS S3, Ceph RGW, MinIO)`,
        { details: { key } },
      );
    }
    return {
      ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(options.ifMatch !== undefined
        ? { IfMatch: support.quoteIfMatch ? `"${options.ifMatch}"` : options.ifMatch }
        : {}),
    };
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    assertValidMetadata(options.metadata);
    const conditions = await this.preconditionHeaders(options, key);
    const common = {
      Bucket: this.bucket,
      Key: key,
      Metadata: options.metadata ?? {},
      ...(options.contentType ? { ContentType: options.contentType } : {}),
      ...conditions,
    };
    const length = knownLength(body);
    // Bodies of known length: one PutObject, exactly what a raw SDK call does.
    if (length !== undefined && length <= this.singlePutLimit && !(body instanceof Blob)) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : (body as Uint8Array);
      const result = await this.putOnce(key, bytes, common, options.signal);
      options.onProgress?.({ loaded: bytes.byteLength, total: bytes.byteLength });
      return result;
    }
    if (conditions.IfMatch === undefined && conditions.IfNoneMatch === undefined) {
      return this.putStream(key, chunksOf(body, options), options, common);
    }
    // A single PutObject honours conditions wherever the probe passed; a multipart Complete does not
    // everywhere (Ceph ignores it). Read up to one part first: most conditional bodies end there.
    const chunks = chunksOf(body, options);
    const head = await readUpTo(chunks, this.partSize);
    if (head.done) return this.putOnce(key, concatBytes(head.chunks), common, options.signal);
    this.multipartSupport ??= probeMultipartConditional(
      this.client,
      this.bucket,
      this.options.probePrefix,
      options.signal,
    ).catch((err) => {
      this.multipartSupport = undefined;
      return this.fail(err, undefined, 'CompleteMultipartUpload (the conditional-write probe)');
    });
    if (!(await this.multipartSupport)) {
      await chunks.return(undefined);
      throw bkError(
        'Unsupported',
        `${this.name} ignores conditions on multipart uploads; conditional writes here are limited to ${this.partSize} bytes (raise partSize)`,
        { details: { key } },
      );
    }
    return this.putStream(key, prepend(head.chunks, chunks), options, common);
  }

  private async putOnce(
    key: string,
    bytes: Uint8Array,
    params: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<PutResult> {
    try {
      if (this.lean) {
        const etag = await this.lean.put(
          key,
          bytes,
          {
            ...(params.Metadata ? { metadata: params.Metadata as Record<string, string> } : {}),
            ...(params.ContentType ? { contentType: params.ContentType as string } : {}),
            ...(params.IfNoneMatch ? { ifNoneMatch: params.IfNoneMatch as string } : {}),
            ...(params.IfMatch !== undefined ? { ifMatch: params.IfMatch as string } : {}),
          },
          signal,
        );
        return { etag, size: bytes.byteLength };
      }
      const out = await this.client.send(
        new PutObjectCommand({
          ...params,
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
        }),
        signal ? { abortSignal: signal } : undefined,
      );
      return { etag: normalizeEtag(out.ETag), size: bytes.byteLength };
    } catch (err) {
      return this.fail(err, key, 'PutObject');
    }
  }

  /** Unknown or large bodies: multipart with bounded memory (lib-storage), a single PUT when it fits one part. */
  private async putStream(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: PutOptions,
    params: Record<string, unknown>,
  ): Promise<PutResult> {
    const result = await uploadStream(
      this.client,
      { ...params, Bucket: this.bucket, Key: key },
      chunks,
      { partSize: this.partSize, queueSize: this.queueSize, signal: options.signal },
      (err) => this.fail(err, key, 'PutObject (multipart)'),
    );
    // Ceph answers CompleteMultipartUpload with an empty ETag: ask for it
    return result.etag ? result : { etag: (await this.head(key, options)).etag, size: result.size };
  }

  get(key: string, options: GetOptions = {}): Promise<GetResult> {
    if (this.lean) {
      return this.lean.get(key, options).catch((err) => this.fail(err, key, 'GetObject'));
    }
    return getObject(this.client, this.bucket, key, options, (err, operation) =>
      this.fail(err, key, operation),
    );
  }

  async head(key: string, options: Abortable = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    try {
      if (this.lean) return await this.lean.head(key, options.signal);
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        options.signal ? { abortSignal: options.signal } : undefined,
      );
      return {
        key,
        size: Number(out.ContentLength ?? 0),
        etag: normalizeEtag(out.ETag),
        lastModified: out.LastModified ?? new Date(0),
        metadata: out.Metadata ?? {},
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
      };
    } catch (err) {
      this.fail(err, key, 'HeadObject');
    }
  }

  list(options: ListOptions = {}): AsyncGenerator<ListEntry> {
    if (this.lean) {
      return this.lean.list(options, this.options.listApi ?? 'v2', (err, operation) =>
        this.fail(err, undefined, operation),
      );
    }
    return listS3(this.client, this.bucket, options, this.options.listApi ?? 'v2', (err, operation) =>
      this.fail(err, undefined, operation),
    );
  }

  async delete(key: string, options: Abortable = {}): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key }),
        options.signal ? { abortSignal: options.signal } : undefined,
      );
    } catch (err) {
      this.fail(err, key, 'DeleteObject');
    }
  }

  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: Abortable = {},
  ): Promise<DeleteManyResult> {
    return deleteObjects(this.client, this.bucket, keys, options.signal, (err) =>
      this.fail(err, undefined, 'DeleteObjects'),
    );
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    assertValidKey(source);
    assertValidKey(destination);
    assertValidMetadata(options.metadata);
    const conditions = await this.preconditionHeaders(options, destination);
    try {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: destination,
          CopySource: `${this.bucket}/${encodeKey(source)}`,
          ...(options.metadata
            ? { MetadataDirective: 'REPLACE', Metadata: options.metadata, ContentType: options.contentType }
            : {}),
          ...(options.ifSourceMatch !== undefined ? { CopySourceIfMatch: `"${options.ifSourceMatch}"` } : {}),
          ...conditions,
        }),
        options.signal ? { abortSignal: options.signal } : undefined,
      );
      const etag = normalizeEtag(out.CopyObjectResult?.ETag);
      const info = await this.head(destination, options);
      return { etag: etag || info.etag, size: info.size };
    } catch (err) {
      this.fail(err, source, 'CopyObject');
    }
  }

  async presign(method: 'GET' | 'PUT', key: string, options: PresignOptions = {}): Promise<string> {
    assertValidKey(key);
    const expiresIn = options.expiresIn ?? 900;
    if (expiresIn < 1 || expiresIn > 604800) {
      throw bkError('InvalidArgument', 'presigned URLs last 1 second to 7 days (expiresIn 1..604800)');
    }
    const command =
      method === 'GET'
        ? new GetObjectCommand({ Bucket: this.bucket, Key: key })
        : new PutObjectCommand({ Bucket: this.bucket, Key: key });
    // signing is local, but a credential provider (profiles, SSO, IMDS) may fail
    return getSignedUrl(this.client, command, { expiresIn }).catch((err) => this.fail(err, key, 'presign'));
  }

  async close(): Promise<void> {
    this.lean?.close();
    if (!this.options.client) this.client.destroy();
  }
}

/** CopySource wants the key URL-encoded, with `/` kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
