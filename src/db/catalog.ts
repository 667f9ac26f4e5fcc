/**
 * The catalog object (`bucketkit-db.json`): every resource's versioned definitions, its append-only
 * attribute-id registry and the secret-field key parameters. All writes are compare-and-swap with retry,
 * so two processes defining resources at once never lose each other's change.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import stableStringify from 'json-stable-stringify';
import { BucketkitError, bkError, throwIfAborted } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { parseCatalog } from './catalog-heal.js';
import { CATALOG_KEY } from './keys.js';
import { backoff } from './retry.js';

/** One definition of a resource, as stored. Its key in `versions` is its version id. */
export interface CatalogVersion {
  /** The attributes, JSON-safe: zod schemas are kept as `{ $zod: <JSON Schema> }`. */
  attributes: Record<string, unknown>;
  behavior: string;
  /** Partition name → its fields (dot paths), in key order. */
  partitions: Record<string, string[]>;
  timestamps: boolean;
  paranoid: boolean;
  /** Attribute path → base36 id, for the records this version wrote. */
  map: Record<string, string>;
  createdAt: string;
}

export interface CatalogResource {
  /** The version id new records are written with. */
  current: string;
  versions: Record<string, CatalogVersion>;
  /** Every attribute path ever used → its base36 id. Append-only: ids are never reused. */
  registry: Record<string, string>;
  nextIndex: number;
  createdAt: string;
}

export interface KeyParams {
  keyId: string;
  /** Base64. */
  salt: string;
  iterations: number;
  /** A known text encrypted with this key: tells a wrong passphrase from a right one. */
  check: string;
}

export interface CatalogCrypto extends KeyParams {
  /** Keys of earlier passphrases, still needed to read older secrets. */
  previous: KeyParams[];
}

export interface Catalog {
  format: 1;
  updatedAt: string;
  resources: Record<string, CatalogResource>;
  crypto?: CatalogCrypto;
}

/** The version id of a definition: 12 hex characters of SHA-256 over its stable JSON form. */
export function versionId(definition: Omit<CatalogVersion, 'map' | 'createdAt'>): string {
  const text = stableStringify(definition) ?? '';
  const digest = sha256(new TextEncoder().encode(text));
  return Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function emptyCatalog(): Catalog {
  return { format: 1, updatedAt: new Date().toISOString(), resources: {} };
}

export interface LoadedCatalog {
  catalog: Catalog;
  /** `undefined` when the object does not exist yet. */
  etag: string | undefined;
  healed: string[];
  /** The damaged original, when something was healed. */
  original?: string;
}

/** Reads and writes the catalog object of one port. */
export class CatalogStore {
  constructor(
    private readonly port: StoragePort,
    private readonly conditional: boolean,
    private readonly retries = 10,
  ) {}

  async load(options: Abortable = {}): Promise<LoadedCatalog> {
    let text: string;
    let etag: string;
    try {
      const result = await this.port.get(CATALOG_KEY, options);
      etag = result.etag;
      text = await result.text();
    } catch (err) {
      if (BucketkitError.is(err, 'NotFound')) return { catalog: emptyCatalog(), etag: undefined, healed: [] };
      throw err;
    }
    const { catalog, healed } = parseCatalog(text);
    return healed.length > 0 ? { catalog, etag, healed, original: text } : { catalog, etag, healed };
  }

  /** Writes `catalog` only if the stored one still has `etag` (or, for `undefined`, does not exist). */
  async write(catalog: Catalog, etag: string | undefined, options: Abortable = {}): Promise<string> {
    catalog.updatedAt = new Date().toISOString();
    const body = `${JSON.stringify(catalog, null, 1)}\n`;
    const condition = !this.conditional
      ? {}
      : etag === undefined
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: etag };
    const result = await this.port.put(CATALOG_KEY, body, {
      ...condition,
      contentType: 'application/json',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return result.etag;
  }

  /**
   * Applies `change` to the newest catalog and writes it; on a lost race re-reads and re-applies.
   * `change` returns false when there is nothing to write.
   */
  async update(change: (catalog: Catalog) => boolean, options: Abortable = {}): Promise<Catalog> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      const { catalog, etag } = await this.load(options);
      if (!change(catalog)) return catalog;
      try {
        await this.write(catalog, etag, options);
        return catalog;
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= this.retries) throw err;
        await backoff(attempt, options.signal);
      }
    }
  }

  /** Saves the damaged original next to the catalog before a healed one replaces it. */
  async backup(original: string, options: Abortable = {}): Promise<string> {
    const key = `${CATALOG_KEY}.backup.${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await this.port.put(key, original, {
      contentType: 'application/json',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return key;
  }
}

/** Throws `NotFound` naming the known resources. */
export function unknownResource(name: string, catalog: Catalog): BucketkitError {
  return bkError(
    'NotFound',
    `no resource "${name}"; create it with db.createResource({ name: "${name}", ... })`,
    {
      details: { resource: name, known: Object.keys(catalog.resources) },
    },
  );
}
