/**
 * A DeltaSpace: the files under one key prefix, stored the way DeltaGlider stores them. The first
 * archive becomes `reference.bin` (plus a tiny self-delta `<name>.delta`); later archives are stored as
 * `<name>.delta` against it, unless the delta is too large; other files are stored directly at
 * `<name>`. Every read is verified against the SHA-256 in the object's metadata.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BucketkitError, bkError } from '../errors.js';
import { assertValidMetadata } from '../storage/browser.js';
import type { Abortable, Metadata, StoragePort } from '../storage/index.js';
import { type ReferenceCache, sha256Hex } from './cache.js';
import { externalCompression, inflateSource, rebuildTarget } from './external.js';
import { parseRecipe } from './gzip-rebuild.js';
import { deltaMetadata, directMetadata, readField, referenceMetadata, withUserMetadata } from './metadata.js';
import { checkName, DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import { DeltaPolicy, type DeltaPolicyOptions } from './policy.js';
import { encodeFile, GZIP_RECIPE_KEY, preparedMetadata, prepareFile } from './space-encode.js';
import { listSpace, spaceStats } from './space-list.js';
import { referenceProgress } from './space-progress.js';
import { describe, verifySha256, writeOptions } from './space-read.js';
import { createReference, loadReference } from './space-reference.js';
import type {
  DeltaFileInfo,
  DeltaListEntry,
  DeltaPutOptions,
  DeltaPutResult,
  DeltaStats,
  DeltaVerifyResult,
} from './space-types.js';
import { ByteReader } from './vcdiff/bytes.js';
import { DEFAULT_MAX_TARGET, readHeader } from './vcdiff/decoder.js';
import { decodeVcdiffAsync } from './vcdiff/index.js';

export type * from './space-types.js';
export { REFERENCE_NAME };

export interface DeltaSpaceOptions extends DeltaPolicyOptions {
  /** The DeltaSpace's key prefix, without a trailing `/` (`''`, the default, is the bucket root). */
  prefix?: string;
  /** Written as `dg-tool` (default `bucketkit`). */
  tool?: string;
  /** The clock for `dg-created-at` (tests). */
  now?: () => Date;
  /** Keeps references between calls (default: none, every delta GETs its reference). */
  cache?: ReferenceCache;
  /**
   * Where the port's keys sit in the bucket (default `port.keyPrefix`, set by `prefixed` and by
   * connection strings with a path after the bucket). `dg-ref-key` is written relative to the bucket, as
   * DeltaGlider writes and reads it.
   */
  portPrefix?: string;
  /**
   * On a port without conditional writes (s3rver, some gateways), create `reference.bin` anyway, after a
   * HEAD finds none: only safe when no other process writes this DeltaSpace. Logs a warning once per port.
   * Default false: such ports get `Unsupported`.
   */
  assumeSingleWriter?: boolean;
}

const isNotFound = (err: unknown) => BucketkitError.is(err, 'NotFound');
const md5Hex = (bytes: Uint8Array) => bytesToHex(md5(bytes));

/**
 * DeltaGlider-compatible storage of versions of files under one prefix of a StoragePort.
 *
 * @example
 * ```ts
 * const space = new DeltaSpace(memoryStorage(), { prefix: 'releases/app' });
 * await space.put('app-1.0.zip', v1); // becomes reference.bin (+ app-1.0.zip.delta)
 * await space.put('app-1.1.zip', v2); // app-1.1.zip.delta, a few KiB
 * const back = await space.get('app-1.1.zip'); // SHA-256 verified
 * ```
 */
export class DeltaSpace {
  readonly prefix: string;
  readonly portPrefix: string;
  readonly policy: DeltaPolicy;
  private readonly tool: string;
  private readonly now: () => Date;
  private readonly cache: ReferenceCache | undefined;
  private readonly assumeSingleWriter: boolean;

  constructor(
    readonly port: StoragePort,
    options: DeltaSpaceOptions = {},
  ) {
    const prefix = options.prefix ?? '';
    if (prefix.endsWith('/')) {
      throw bkError('InvalidArgument', 'a DeltaSpace prefix has no trailing "/"', { details: { prefix } });
    }
    this.prefix = prefix;
    this.portPrefix = options.portPrefix ?? port.keyPrefix ?? '';
    this.policy = new DeltaPolicy(options);
    this.tool = options.tool ?? 'bucketkit';
    this.now = options.now ?? (() => new Date());
    this.cache = options.cache;
    this.assumeSingleWriter = options.assumeSingleWriter ?? false;
  }

  /** Deltas larger than this fraction of the file are stored directly. */
  get maxRatio(): number {
    return this.policy.maxRatio;
  }

  /** The full key of `name` (a file name, `reference.bin` or `<name>.delta`) in this DeltaSpace. */
  key(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }

  /**
   * Stores `bytes` as `name`: as a delta when the policy wants one (the first archive also becomes
   * the reference, created only if absent, so two writers cannot both create it), directly for other
   * files and for deltas above `maxRatio`. Removes the other form of `name` if it was stored before.
   *
   * @example
   * ```ts
   * const { storedAs, storedSize } = await space.put('app-1.1.zip', bytes, { metadata: { build: '42' } });
   * ```
   */
  async put(name: string, bytes: Uint8Array, options: DeltaPutOptions = {}): Promise<DeltaPutResult> {
    checkName(name);
    assertValidMetadata(options.metadata);
    const common = { tool: this.tool, sha256: sha256Hex(bytes), md5: md5Hex(bytes), now: this.now() };
    const direct = withUserMetadata(
      directMetadata({ ...common, name, size: bytes.length }),
      options.metadata,
    );
    assertValidMetadata(direct);
    if (options.direct || !this.policy.wants(name, bytes.length)) {
      return this.putDirect(name, bytes, direct, false, options);
    }
    if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      throw bkError('InvalidArgument', 'conditions apply to direct writes only: pass { direct: true }', {
        details: { name },
      });
    }
    // A gzip file whose exact bytes cannot be rebuilt is stored as it is (before any reference exists).
    const file = prepareFile(name, bytes);
    if (!file) return this.putDirect(name, bytes, direct, false, options);
    const extra = preparedMetadata(file);
    // The delta's keys must fit next to the caller's metadata before the reference is created.
    const longest = {
      refKey: this.portPrefix + this.key(REFERENCE_NAME),
      refSha256: common.sha256,
      deltaSize: Number.MAX_SAFE_INTEGER,
    };
    const size = bytes.length;
    assertValidMetadata(
      withUserMetadata(
        { ...deltaMetadata({ ...common, ...longest, name, size, zeroDiff: true }), ...extra },
        options.metadata,
      ),
    );

    const refKey = this.key(REFERENCE_NAME);
    const referenceMeta = referenceMetadata({ ...common, sourceName: name });
    const { onProgress } = options;
    const createdReference = await createReference(this.port, refKey, bytes, referenceMeta, {
      ...options,
      onProgress: referenceProgress(onProgress, size),
      assumeSingleWriter: this.assumeSingleWriter,
    });
    let reference: { bytes: Uint8Array; sha256: string } | undefined;
    if (createdReference) {
      reference = { bytes, sha256: common.sha256 };
      await this.cache?.set(refKey, common.sha256, bytes);
    }
    reference ??= await loadReference(this.port, this.cache, refKey, undefined, options);

    const delta = await encodeFile(name, reference.bytes, file, onProgress);
    const zeroDiff = reference.sha256 === common.sha256;
    if (delta === undefined || (!zeroDiff && !this.policy.keeps(delta.length, bytes.length))) {
      // stored directly after all: progress stays near the end of the range until that write is done
      return this.putDirect(name, bytes, direct, createdReference, options, false);
    }
    const metadata = withUserMetadata(
      {
        ...deltaMetadata({
          ...common,
          name,
          size: bytes.length,
          refKey: this.portPrefix + refKey,
          refSha256: reference.sha256,
          deltaSize: delta.length,
          zeroDiff,
        }),
        ...extra,
      },
      options.metadata,
    );
    assertValidMetadata(metadata);
    const key = this.key(name + DELTA_SUFFIX);
    await this.port.put(key, delta, { ...writeOptions(options), metadata });
    await this.port.delete(this.key(name), options);
    onProgress?.({ loaded: size, total: size });
    const storedSize = delta.length;
    return {
      name,
      key,
      storedAs: 'delta',
      size: bytes.length,
      storedSize,
      createdReference,
      etag: common.md5,
    };
  }

  private async putDirect(
    name: string,
    bytes: Uint8Array,
    metadata: Metadata,
    createdReference: boolean,
    options: DeltaPutOptions,
    uploadProgress = true,
  ): Promise<DeltaPutResult> {
    const key = this.key(name);
    const { ifMatch, ifNoneMatch, onProgress } = options;
    await this.port.put(key, bytes, {
      ...writeOptions(options),
      metadata,
      ...(onProgress && uploadProgress ? { onProgress } : {}),
      ...(ifMatch !== undefined ? { ifMatch } : {}),
      ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    });
    await this.port.delete(this.key(name + DELTA_SUFFIX), options);
    const size = bytes.length;
    onProgress?.({ loaded: size, total: size });
    return { name, key, storedAs: 'direct', size, storedSize: size, createdReference, etag: md5Hex(bytes) };
  }

  /**
   * Reads `name` back, byte for byte: rebuilds deltas against the reference and verifies the
   * SHA-256 recorded at write time (`Corrupt` on mismatch, `NotFound` when absent).
   *
   * @example
   * ```ts
   * const bytes = await space.get('app-1.1.zip');
   * ```
   */
  async get(name: string, options: Abortable = {}): Promise<Uint8Array> {
    return (await this.read(name, options)).bytes;
  }

  /**
   * Like `get`, also returning what `head` returns. `fresh` skips the reference cache.
   *
   * @example
   * ```ts
   * const { bytes, info } = await space.read('app-1.1.zip');
   * ```
   */
  async read(
    name: string,
    options: Abortable & { fresh?: boolean } = {},
  ): Promise<{ bytes: Uint8Array; info: DeltaFileInfo }> {
    checkName(name);
    const deltaKey = this.key(name + DELTA_SUFFIX);
    let object: Awaited<ReturnType<StoragePort['get']>>;
    try {
      object = await this.port.get(deltaKey, options);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const direct = await this.port.get(this.key(name), options);
      const bytes = await direct.bytes();
      verifySha256(bytes, direct.metadata, direct.key);
      return { bytes, info: describe(name, 'direct', direct) };
    }
    const metadata = object.metadata;
    const delta = await object.bytes();
    const size = Number(readField(metadata, 'file-size') ?? Number.NaN);
    const external = externalCompression(readHeader(new ByteReader(delta)).appHeader);
    const expected = readField(metadata, 'ref-sha256');
    const { refKey, reference } = await this.referenceOf(metadata, expected, options);
    const source = external.source
      ? inflateSource(reference.bytes, external.source, refKey, DEFAULT_MAX_TARGET)
      : reference.bytes;
    const capped = external.target === undefined && Number.isSafeInteger(size);
    const decoded = await decodeVcdiffAsync(source, delta, capped ? { maxTargetSize: size } : {});
    const bytes = external.target
      ? rebuildTarget(
          decoded.target,
          external.target,
          readField(metadata, 'file-sha256'),
          deltaKey,
          parseRecipe(metadata[GZIP_RECIPE_KEY]),
        )
      : decoded.target;
    verifySha256(bytes, metadata, deltaKey);
    return { bytes, info: describe(name, 'delta', object) };
  }

  /**
   * The reference a delta was made against, as a key of the port, with its bytes. `dg-ref-key` is
   * relative to the bucket (DeltaGlider's convention, and ours since); bucketkit wrote it relative to
   * the port before, so through a prefixed port both readings are tried, this DeltaSpace's own reference
   * first. The proxy's `dg-ref-path` names a file of the delta's own folder.
   */
  private async referenceOf(
    metadata: Metadata,
    expected: string | undefined,
    options: Abortable & { fresh?: boolean },
  ): Promise<{ refKey: string; reference: { bytes: Uint8Array; sha256: string } }> {
    const own = this.key(REFERENCE_NAME);
    const written = readField(metadata, 'ref-key');
    let candidates: string[];
    if (written === undefined) {
      const relative = readField(metadata, 'ref-path');
      candidates = [this.key(relative?.split('/').pop() || REFERENCE_NAME)];
    } else {
      const inPort = written.startsWith(this.portPrefix) ? [written.slice(this.portPrefix.length)] : [];
      candidates = [...new Set([...inPort, written])].filter((key) => key !== '');
      candidates.sort((a, b) => Number(b === own) - Number(a === own));
    }
    for (const [i, refKey] of candidates.entries()) {
      try {
        const reference = await loadReference(
          this.port,
          this.cache,
          refKey,
          expected,
          options,
          options.fresh,
        );
        return { refKey, reference };
      } catch (err) {
        if (!isNotFound(err) || i === candidates.length - 1) throw err;
      }
    }
    throw bkError('Corrupt', 'a delta without a reference key', { details: { prefix: this.prefix } });
  }

  /**
   * What is stored for `name`, from metadata only (`NotFound` when absent).
   *
   * @example
   * ```ts
   * const { size, storedSize, storedAs } = await space.head('app-1.1.zip');
   * ```
   */
  async head(name: string, options: Abortable = {}): Promise<DeltaFileInfo> {
    checkName(name);
    try {
      return describe(name, 'delta', await this.port.head(this.key(name + DELTA_SUFFIX), options));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return describe(name, 'direct', await this.port.head(this.key(name), options));
  }

  /**
   * The files of this DeltaSpace with their original names and sizes, paging through any number of
   * keys (one HEAD per delta, for its original size). `reference.bin` is not listed.
   *
   * @example
   * ```ts
   * for await (const file of space.list()) console.log(file.name, file.size, file.storedSize);
   * ```
   */
  list(options: Abortable & { pageSize?: number } = {}): AsyncGenerator<DeltaListEntry> {
    return listSpace(this.port, this.prefix, options);
  }

  /**
   * Deletes `name` (both forms). When no delta is left in the DeltaSpace, `reference.bin` goes too,
   * as DeltaGlider does.
   *
   * @example
   * ```ts
   * await space.delete('app-1.0.zip');
   * ```
   */
  async delete(name: string, options: Abortable = {}): Promise<void> {
    checkName(name);
    await this.port.delete(this.key(name + DELTA_SUFFIX), options);
    await this.port.delete(this.key(name), options);
    await this.pruneReference(options);
  }

  /**
   * Deletes `reference.bin` when no delta is left (after deleting files behind the DeltaSpace's back).
   * Returns true when it did.
   *
   * @example
   * ```ts
   * await port.deleteMany(['p/a.zip.delta', 'p/b.zip.delta']);
   * await new DeltaSpace(port, { prefix: 'p' }).pruneReference();
   * ```
   */
  async pruneReference(options: Abortable = {}): Promise<boolean> {
    const prefix = this.prefix === '' ? '' : `${this.prefix}/`;
    for await (const entry of this.port.list({ ...options, prefix, delimiter: '/' })) {
      if (entry.type === 'object' && entry.key.endsWith(DELTA_SUFFIX)) return false;
    }
    await this.port.delete(this.key(REFERENCE_NAME), options);
    return true;
  }

  /**
   * Re-reads `name` in full, reference included (never from the cache), and checks its SHA-256 and
   * size against the metadata: `Corrupt` when they differ.
   *
   * @example
   * ```ts
   * const { sha256, checked } = await space.verify('app-1.1.zip');
   * ```
   */
  async verify(name: string, options: Abortable = {}): Promise<DeltaVerifyResult> {
    const { bytes, info } = await this.read(name, { ...options, fresh: true });
    if (info.storedAs === 'delta' && bytes.length !== info.size) {
      throw bkError('Corrupt', 'the file read back is not the size recorded in its metadata', {
        details: { key: info.key, size: bytes.length, declared: info.size },
      });
    }
    const { key, storedAs } = info;
    const checked = info.sha256 !== undefined;
    return { name, key, storedAs, size: bytes.length, sha256: sha256Hex(bytes), checked };
  }

  /**
   * Original versus stored bytes of this DeltaSpace (one HEAD per delta, one for the reference).
   *
   * @example
   * ```ts
   * const { originalBytes, storedBytes, ratio } = await space.stats();
   * ```
   */
  stats(options: Abortable = {}): Promise<DeltaStats> {
    return spaceStats(this.list(options), this.port, this.key(REFERENCE_NAME), options);
  }
}
