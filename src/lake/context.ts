/** The settings every part of an open lake shares (built once by `openLake`). */
import type { StoragePort } from '../storage/index.js';
import type { LakeEngine } from './engines/engine.js';
import type { LogFormat } from './ingest/formats.js';
import type { PrefixRoute } from './ingest/route.js';
import type { ZstdCodec } from './parquet/zstd.js';

export interface LakeContext {
  readonly port: StoragePort;
  /** Written to `resource_bucket_name`. */
  readonly bucket: string;
  readonly orgs: Readonly<Record<string, string | PrefixRoute>>;
  readonly streamField: string;
  readonly segmentRows: number;
  readonly singleWriter: boolean;
  readonly formats: readonly LogFormat[];
  readonly fingerprint: () => Promise<((message: string) => bigint) | undefined>;
  readonly zstd: () => Promise<ZstdCodec>;
  /** The engine that writes segments and answers queries; absent means the TypeScript engine. */
  readonly engine?: () => Promise<LakeEngine>;
}
