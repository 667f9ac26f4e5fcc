/** What a resource needs at run time, built by the database from the catalog and the definition. */
import { bkError } from '../errors.js';
import type { LogLevel } from '../logger.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { deserializeAttributes } from './attributes.js';
import type { CatalogResource, CatalogVersion } from './catalog.js';
import type { SecretCipher } from './crypto/index.js';
import type { AttributeMap, BehaviorName } from './encoding/index.js';
import type { IdGenerator } from './ids.js';
import type { PartitionDefinitions } from './partitions.js';
import { type CompiledSchema, compileSchema } from './schema/index.js';
import type { Migrate, ResourceDefinition } from './types.js';

export interface VersionRuntime {
  id: string;
  schema: CompiledSchema;
  map: AttributeMap;
  definition: CatalogVersion;
}

export interface ResourceRuntime {
  readonly name: string;
  readonly port: StoragePort;
  /** Conditional writes are enforced by the port. */
  readonly conditional: boolean;
  readonly cipher: SecretCipher | undefined;
  readonly current: VersionRuntime;
  readonly behavior: BehaviorName;
  readonly partitions: PartitionDefinitions;
  readonly timestamps: boolean;
  readonly paranoid: boolean;
  readonly retries: number;
  readonly idGenerator: IdGenerator;
  readonly migrate: Migrate | undefined;
  readonly onExceedsLimit: ResourceDefinition['onExceedsLimit'];
  /** The runtime of any version of this resource (older ones compiled on first use). */
  version(id: string): VersionRuntime;
  /** Re-reads the catalog (a record written by a version another process just added). */
  reload(options?: Abortable): Promise<void>;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Compiles the versions of a catalog entry lazily, keeping `current` as given. */
export function versionLookup(
  name: string,
  entry: () => CatalogResource | undefined,
  current: VersionRuntime,
): (id: string) => VersionRuntime {
  const cache = new Map<string, VersionRuntime>([[current.id, current]]);
  return (id) => {
    let runtime = cache.get(id);
    if (runtime) return runtime;
    const definition = entry()?.versions[id];
    if (!definition) {
      throw bkError(
        'Corrupt',
        `a record of "${name}" was written by version "${id}", which the catalog lacks`,
        {
          details: { resource: name, version: id, known: Object.keys(entry()?.versions ?? {}) },
        },
      );
    }
    runtime = {
      id,
      schema: compileSchema(deserializeAttributes(definition.attributes)),
      map: definition.map,
      definition,
    };
    cache.set(id, runtime);
    return runtime;
  };
}
