/**
 * A DeltaSpace: the files under one key prefix, stored the way DeltaGlider stores them. The first
 * archive becomes `reference.bin` (plus a tiny self-delta `<name>.delta`); later archives are stored as
 * `<name>.delta` against it, unless the delta is too large; other files are stored directly at
 * `<name>`. Every read is verified against the SHA-256 in the object's metadata. The work is done in
 * `space-put.ts` and `space-get.ts`; this class holds the settings and the small operations.
 */
import { bkError } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { sha256Hex } from './cache.js';
import { checkName, DELTA_SUFFIX, REFERENCE_NAME } from './names.js';
import { DeltaPolicy } from './policy.js';
import type { DeltaSpaceOptions, SpaceContext } from './space-context.js';
import { isNotFound, readFile } from './space-get.js';
import { listSpace, spaceStats } from './space-list.js';
import { putFile } from './space-put.js';
import { describe } from './space-read.js';
import type {
  DeltaFileInfo,
  DeltaListEntry,
  DeltaPutOptions,
  DeltaPutResult,
  DeltaStats,
  DeltaVerifyResult,
} from './space-types.js';

export type { DeltaSpaceOptions } from './space-context.js';
export type * from './space-types.js';
export { REFERENCE_NAME };

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
  /** What `putFile` and `readFile` need: the fields above, and the options kept private. */
  private readonly context: SpaceContext;

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
    this.context = {
      port,
      prefix,
      portPrefix: this.portPrefix,
      policy: this.policy,
      tool: options.tool ?? 'bucketkit',
      now: options.now ?? (() => new Date()),
      cache: options.cache,
      assumeSingleWriter: options.assumeSingleWriter ?? false,
      secondaryCompression: options.secondaryCompression ?? 'lzma',
      key: (name) => this.key(name),
    };
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
    return putFile(this.context, name, bytes, options);
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
    return readFile(this.context, name, options);
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
