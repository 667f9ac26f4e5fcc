/**
 * A DeltaSpace: the files under one key prefix, stored the way DeltaGlider stores them. The first
 * archive becomes `reference.bin` (plus a tiny self-delta `<name>.delta`); later archives are stored as
 * `<name>.delta` against it, unless the delta is too large; other files are stored directly at
 * `<name>`. Every read is verified against the SHA-256 in the object's metadata.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BucketkitError, bkError } from '../errors.js';
import type { Abortable, Metadata, StoragePort } from '../storage/port.js';
import { deltaMetadata, directMetadata, readField, referenceMetadata } from './metadata.js';
import { DEFAULT_MAX_RATIO, isDeltaCandidate } from './policy.js';
import { decodeVcdiffAsync, encodeDelta } from './vcdiff/index.js';

export const REFERENCE_NAME = 'reference.bin';
const DELTA_SUFFIX = '.delta';
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export interface DeltaSpaceOptions {
  /** The DeltaSpace's key prefix, without a trailing `/` (`''`, the default, is the bucket root). */
  prefix?: string;
  /** Deltas larger than this fraction of the file are dropped and the file stored directly (0.5). */
  maxRatio?: number;
  /** Written as `dg-tool` (default `bucketkit`). */
  tool?: string;
  /** The clock for `dg-created-at` (tests). */
  now?: () => Date;
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
}

export interface DeltaFileInfo {
  name: string;
  key: string;
  storedAs: StoredAs;
  /** The original file's size. */
  size: number;
  storedSize: number;
  /** Hex SHA-256 of the original file, when the metadata has it. */
  sha256?: string;
}

function hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

function isNotFound(err: unknown): boolean {
  return BucketkitError.is(err, 'NotFound');
}

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
  readonly maxRatio: number;
  private readonly tool: string;
  private readonly now: () => Date;

  constructor(
    readonly port: StoragePort,
    options: DeltaSpaceOptions = {},
  ) {
    const prefix = options.prefix ?? '';
    if (prefix.endsWith('/')) {
      throw bkError('InvalidArgument', 'a DeltaSpace prefix has no trailing "/"', { details: { prefix } });
    }
    const maxRatio = options.maxRatio ?? DEFAULT_MAX_RATIO;
    if (!(maxRatio >= 0)) {
      throw bkError('InvalidArgument', 'maxRatio must be a number ≥ 0', { details: { maxRatio } });
    }
    this.prefix = prefix;
    this.maxRatio = maxRatio;
    this.tool = options.tool ?? 'bucketkit';
    this.now = options.now ?? (() => new Date());
  }

  /** The full key of `name` (a file name, `reference.bin` or `<name>.delta`) in this DeltaSpace. */
  key(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }

  /**
   * Stores `bytes` as `name`: as a delta for archives (the first archive also becomes the reference,
   * created only if absent, so two writers cannot both create it), directly for other files and for
   * deltas above `maxRatio`. Removes the other form of `name` if it was stored before.
   *
   * @example
   * ```ts
   * const { storedAs, storedSize } = await space.put('app-1.1.zip', bytes);
   * ```
   */
  async put(name: string, bytes: Uint8Array, options: Abortable = {}): Promise<DeltaPutResult> {
    checkName(name);
    const sha = hex(bytes);
    const common = { tool: this.tool, sha256: sha, now: this.now() };
    if (!isDeltaCandidate(name)) return this.putDirect(name, bytes, common, false, options);

    const refKey = this.key(REFERENCE_NAME);
    let createdReference = false;
    let reference: { bytes: Uint8Array; sha256: string } | undefined;
    try {
      await this.port.put(refKey, bytes, {
        ...options,
        ifNoneMatch: '*',
        contentType: 'application/octet-stream',
        metadata: referenceMetadata({ ...common, sourceName: name }),
      });
      createdReference = true;
      reference = { bytes, sha256: sha };
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
    }
    reference ??= await this.readReference(refKey, undefined, options);

    const delta = encodeDelta(reference.bytes, bytes);
    const zeroDiff = reference.sha256 === sha;
    // An empty file other than the reference always fails this: 0 × maxRatio.
    if (!zeroDiff && delta.length > this.maxRatio * bytes.length) {
      return this.putDirect(name, bytes, common, createdReference, options);
    }
    const key = this.key(name + DELTA_SUFFIX);
    await this.port.put(key, delta, {
      ...options,
      contentType: 'application/octet-stream',
      metadata: deltaMetadata({
        ...common,
        name,
        size: bytes.length,
        refKey,
        refSha256: reference.sha256,
        deltaSize: delta.length,
        zeroDiff,
      }),
    });
    await this.port.delete(this.key(name), options);
    return { name, key, storedAs: 'delta', size: bytes.length, storedSize: delta.length, createdReference };
  }

  private async putDirect(
    name: string,
    bytes: Uint8Array,
    common: { tool: string; sha256: string; now: Date },
    createdReference: boolean,
    options: Abortable,
  ): Promise<DeltaPutResult> {
    const key = this.key(name);
    await this.port.put(key, bytes, {
      ...options,
      contentType: 'application/octet-stream',
      metadata: directMetadata({ ...common, name, size: bytes.length }),
    });
    await this.port.delete(this.key(name + DELTA_SUFFIX), options);
    return { name, key, storedAs: 'direct', size: bytes.length, storedSize: bytes.length, createdReference };
  }

  /** Reads `reference.bin`, checking its bytes against its own SHA-256 and against `expected`. */
  private async readReference(
    refKey: string,
    expected: string | undefined,
    options: Abortable,
  ): Promise<{ bytes: Uint8Array; sha256: string }> {
    const object = await this.port.get(refKey, options);
    const bytes = await object.bytes();
    const sha = hex(bytes);
    const declared = readField(object.metadata, 'file-sha256');
    if ((declared !== undefined && declared !== sha) || (expected !== undefined && expected !== sha)) {
      throw bkError('Corrupt', 'the DeltaSpace reference does not match its SHA-256', {
        details: { key: refKey, sha256: sha, declared, expected },
      });
    }
    return { bytes, sha256: sha };
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
    checkName(name);
    const deltaKey = this.key(name + DELTA_SUFFIX);
    let object: Awaited<ReturnType<StoragePort['get']>>;
    try {
      object = await this.port.get(deltaKey, options);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.getDirect(name, options);
    }
    const metadata = object.metadata;
    const delta = await object.bytes();
    const size = Number(readField(metadata, 'file-size') ?? Number.NaN);
    const refKey = this.referenceKeyOf(metadata);
    const reference = await this.readReference(refKey, readField(metadata, 'ref-sha256'), options);
    const decoded = await decodeVcdiffAsync(reference.bytes, delta, {
      ...(Number.isSafeInteger(size) ? { maxTargetSize: size } : {}),
    });
    rejectExternalCompression(decoded.appHeader, deltaKey);
    verify(decoded.target, metadata, deltaKey);
    return decoded.target;
  }

  private async getDirect(name: string, options: Abortable): Promise<Uint8Array> {
    const key = this.key(name);
    const object = await this.port.get(key, options);
    const bytes = await object.bytes();
    verify(bytes, object.metadata, key);
    return bytes;
  }

  /** The reference a delta was made against: `dg-ref-key` (full key) or the proxy's relative `dg-ref-path`. */
  private referenceKeyOf(metadata: Metadata): string {
    const full = readField(metadata, 'ref-key');
    if (full !== undefined) return full;
    const relative = readField(metadata, 'ref-path');
    return this.key(relative?.split('/').pop() || REFERENCE_NAME);
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
    const deltaKey = this.key(name + DELTA_SUFFIX);
    try {
      const info = await this.port.head(deltaKey, options);
      return describe(name, deltaKey, 'delta', info.size, info.metadata);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const key = this.key(name);
    const info = await this.port.head(key, options);
    return describe(name, key, 'direct', info.size, info.metadata);
  }

  /**
   * The files of this DeltaSpace with their original names and sizes (one HEAD per delta, for its
   * original size). `reference.bin` is not listed: it is not a file of its own.
   *
   * @example
   * ```ts
   * for await (const file of space.list()) console.log(file.name, file.size, file.storedSize);
   * ```
   */
  async *list(options: Abortable = {}): AsyncGenerator<DeltaFileInfo> {
    const prefix = this.prefix === '' ? '' : `${this.prefix}/`;
    for await (const entry of this.port.list({ ...options, prefix, delimiter: '/' })) {
      if (entry.type !== 'object') continue;
      const base = entry.key.slice(prefix.length);
      if (base === REFERENCE_NAME) continue;
      if (base.endsWith(DELTA_SUFFIX)) {
        const name = base.slice(0, -DELTA_SUFFIX.length);
        const info = await this.port.head(entry.key, options);
        yield describe(name, entry.key, 'delta', entry.size, info.metadata);
      } else {
        yield { name: base, key: entry.key, storedAs: 'direct', size: entry.size, storedSize: entry.size };
      }
    }
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
    const prefix = this.prefix === '' ? '' : `${this.prefix}/`;
    for await (const entry of this.port.list({ ...options, prefix, delimiter: '/' })) {
      if (entry.type === 'object' && entry.key.endsWith(DELTA_SUFFIX)) return;
    }
    await this.port.delete(this.key(REFERENCE_NAME), options);
  }
}

function checkName(name: string): void {
  if (
    !PRINTABLE_ASCII.test(name) ||
    name.includes('/') ||
    name === REFERENCE_NAME ||
    name.endsWith(DELTA_SUFFIX) ||
    name === '.' ||
    name === '..'
  ) {
    throw bkError(
      'InvalidArgument',
      'a DeltaSpace file name is printable ASCII (it goes into metadata), without "/", and is neither ' +
        `"${REFERENCE_NAME}" nor "*${DELTA_SUFFIX}"`,
      { details: { name } },
    );
  }
}

function describe(
  name: string,
  key: string,
  storedAs: StoredAs,
  storedSize: number,
  metadata: Metadata,
): DeltaFileInfo {
  const declared = Number(readField(metadata, 'file-size'));
  const size = storedAs === 'direct' ? storedSize : Number.isSafeInteger(declared) ? declared : Number.NaN;
  const info: DeltaFileInfo = { name, key, storedAs, size, storedSize };
  const sha = readField(metadata, 'file-sha256');
  if (sha !== undefined) info.sha256 = sha;
  return info;
}

function verify(bytes: Uint8Array, metadata: Metadata, key: string): void {
  const expected = readField(metadata, 'file-sha256');
  if (expected === undefined) return; // a regular object, not written by DeltaGlider: served as is
  const actual = hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw bkError('Corrupt', 'the file read back does not match its SHA-256', {
      details: { key, expected, actual },
    });
  }
}

/**
 * xdelta3 without `-D` diffs the *decompressed* bytes of gzip/bzip2/xz inputs and records that in the
 * app header (`name/G/src/G`); rebuilding the original would need recompressing byte-exact, which is
 * not possible in general.
 */
function rejectExternalCompression(appHeader: Uint8Array | undefined, key: string): void {
  if (appHeader === undefined) return;
  const parts = new TextDecoder().decode(appHeader).split('/');
  const compressors = [parts[1], parts[3]].filter((c) => c !== undefined && c !== '');
  if (compressors.length > 0) {
    throw bkError(
      'Unsupported',
      'this delta was made by xdelta3 over decompressed input (external compression ' +
        `${compressors.join(', ')}); it cannot be rebuilt byte for byte`,
      { details: { key } },
    );
  }
}
