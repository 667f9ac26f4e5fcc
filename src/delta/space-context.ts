/** What the parts of a DeltaSpace share: its options, and the settings it derives from them. */
import type { StoragePort } from '../storage/index.js';
import type { ReferenceCache } from './cache.js';
import type { DeltaPolicy, DeltaPolicyOptions } from './policy.js';
import type { SecondaryCompression } from './space-encode.js';

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
  /**
   * xdelta3's LZMA secondary compression of the deltas' sections (`'lzma'`, the default, as
   * `xdelta3 -S lzma` and so DeltaGlider write them: each section only when it gets smaller), or
   * `'none'` for deltas a strict RFC 3284 decoder reads.
   */
  secondaryCompression?: SecondaryCompression;
}

/** A DeltaSpace's settings, as `space-put.ts` and `space-get.ts` use them. */
export interface SpaceContext {
  readonly port: StoragePort;
  readonly prefix: string;
  readonly portPrefix: string;
  readonly policy: DeltaPolicy;
  readonly tool: string;
  readonly now: () => Date;
  readonly cache: ReferenceCache | undefined;
  readonly assumeSingleWriter: boolean;
  readonly secondaryCompression: SecondaryCompression;
  /** The full key of `name` in the DeltaSpace. */
  key(name: string): string;
}
