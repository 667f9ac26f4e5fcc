/**
 * Named storage configs, so one catalog can hold datasets on several buckets. The configs live in
 * one JSON object in a home port; each config's credentials are sealed with AES-256-GCM (Web
 * Crypto) under a key derived from a passphrase with PBKDF2-SHA-256, the config name bound in as
 * additional data so a sealed secret cannot be moved to another name. Changes are compare-and-swap.
 */

import { BucketkitError, bkError } from '../errors.js';
import { deriveAesGcmKey } from '../kdf.js';
import { prefixed, type StoragePort, s3Storage } from '../storage/index.js';
import { type Datasets, type DatasetsOptions, datasets } from './datasets.js';

/** Where an S3 bucket is and how to sign in to it. */
export interface StorageConfig {
  /** `^[a-zA-Z0-9_-]+$`, as datas3t's bucket configs. */
  name: string;
  bucket: string;
  /** A custom endpoint (MinIO, Ceph); absent for AWS. */
  endpoint?: string;
  region?: string;
  /** Keys are stored under this prefix of the bucket. */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A config as listed: everything but the credentials. */
export type StorageConfigInfo = Omit<StorageConfig, 'accessKeyId' | 'secretAccessKey'>;

/** The configs held in a home port. */
export interface StorageConfigs {
  /** Adds a config; `PreconditionFailed` when the name is taken (unless `replace`). */
  add(config: StorageConfig, options?: { replace?: boolean }): Promise<void>;
  list(): Promise<StorageConfigInfo[]>;
  /** A config with its credentials decrypted; `NotFound` for an unknown name. */
  get(name: string): Promise<StorageConfig>;
  remove(name: string): Promise<void>;
  /** A port on the config's bucket. */
  connect(name: string): Promise<StoragePort>;
  /** The dataset catalog on the config's bucket. */
  datasets(name: string, options?: DatasetsOptions): Promise<Datasets>;
}

/** Options of `storageConfigs()`. */
export interface StorageConfigsOptions {
  passphrase: string;
  /** The object holding the configs (default `bucketkit/storage-configs.json`). */
  key?: string;
  /** PBKDF2 iterations for a new file (default 600,000; at least 100,000). */
  iterations?: number;
}

interface SealedConfig extends StorageConfigInfo {
  sealed: string;
}

interface ConfigFile {
  format: typeof FORMAT;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  configs: SealedConfig[];
}

const FORMAT = 'bucketkit-storage-configs/1';
const NAME = /^[a-zA-Z0-9_-]+$/;
const MIN_ITERATIONS = 100_000;

/**
 * The named storage configs kept in `home`, sealed with `passphrase`. A wrong passphrase is
 * `AccessDenied` on the first decryption.
 *
 * @example
 * ```ts
 * const configs = storageConfigs(fileStorage('./catalog'), { passphrase: process.env.BK_PASSPHRASE! });
 * await configs.add({ name: 'archive', bucket: 'frames', endpoint: 'http://127.0.0.1:9000',
 *   accessKeyId: 'key', secretAccessKey: 'secret' });
 * const frames = (await configs.datasets('archive')).open('frames');
 * ```
 */
export function storageConfigs(home: StoragePort, options: StorageConfigsOptions): StorageConfigs {
  const key = options.key ?? 'bucketkit/storage-configs.json';
  const iterations = options.iterations ?? 600_000;
  if (!options.passphrase) throw bkError('InvalidArgument', 'a passphrase is required to seal credentials');
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    throw bkError('InvalidArgument', `PBKDF2 needs at least ${MIN_ITERATIONS} iterations`, {
      details: { iterations },
    });
  }
  const keys = new Map<string, Promise<CryptoKey>>();
  const cryptoKey = (kdf: ConfigFile['kdf']) => {
    const id = `${kdf.salt}:${kdf.iterations}`;
    let k = keys.get(id);
    if (!k) {
      k = deriveKey(options.passphrase, fromB64(kdf.salt), kdf.iterations);
      keys.set(id, k);
    }
    return k;
  };

  const read = async (): Promise<{ file: ConfigFile; etag?: string }> => {
    try {
      const got = await home.get(key);
      return { file: parseFile(await got.bytes(), key), etag: got.etag };
    } catch (err) {
      if (!BucketkitError.is(err, 'NotFound')) throw err;
      const salt = crypto.getRandomValues(new Uint8Array(16));
      return {
        file: {
          format: FORMAT,
          kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toB64(salt) },
          configs: [],
        },
      };
    }
  };
  const write = async (file: ConfigFile, etag: string | undefined) => {
    const body = new TextEncoder().encode(`${JSON.stringify(file, null, 1)}\n`);
    await home.put(key, body, {
      contentType: 'application/json',
      ...(etag ? { ifMatch: etag } : { ifNoneMatch: '*' as const }),
    });
  };
  const change = async (edit: (file: ConfigFile) => Promise<ConfigFile>) => {
    for (let attempt = 1; ; attempt++) {
      const { file, etag } = await read();
      try {
        return await write(await edit(file), etag);
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= 16) throw err;
      }
    }
  };
  const find = async (name: string) => {
    const { file } = await read();
    const found = file.configs.find((c) => c.name === name);
    if (!found) {
      throw bkError('NotFound', `no storage config "${name}"; add it first`, {
        details: { name, known: file.configs.map((c) => c.name) },
      });
    }
    return { file, found };
  };

  const self: StorageConfigs = {
    async add(config, opts = {}) {
      if (!NAME.test(config.name)) {
        throw bkError('InvalidArgument', `config name "${config.name}" must match ${NAME.source}`, {
          details: { name: config.name },
        });
      }
      if (!config.bucket || !config.accessKeyId || !config.secretAccessKey) {
        throw bkError('InvalidArgument', 'a storage config needs bucket, accessKeyId and secretAccessKey', {
          details: { name: config.name },
        });
      }
      await change(async (file) => {
        if (!opts.replace && file.configs.some((c) => c.name === config.name)) {
          throw bkError(
            'PreconditionFailed',
            `storage config "${config.name}" exists; pass replace to overwrite it`,
            {
              details: { name: config.name, retryable: false },
            },
          );
        }
        const { accessKeyId, secretAccessKey, ...info } = config;
        const secret = JSON.stringify({ accessKeyId, secretAccessKey });
        const sealed = await seal(await cryptoKey(file.kdf), secret, config.name);
        const configs = [...file.configs.filter((c) => c.name !== config.name), { ...info, sealed }];
        return { ...file, configs: configs.sort((a, b) => (a.name < b.name ? -1 : 1)) };
      });
    },
    async list() {
      return (await read()).file.configs.map(({ sealed: _sealed, ...info }) => info);
    },
    async get(name) {
      const { file, found } = await find(name);
      const { sealed, ...info } = found;
      const secret = JSON.parse(await open(await cryptoKey(file.kdf), sealed, name)) as {
        accessKeyId: string;
        secretAccessKey: string;
      };
      return { ...info, ...secret };
    },
    async remove(name) {
      await find(name);
      await change(async (file) => ({ ...file, configs: file.configs.filter((c) => c.name !== name) }));
    },
    async connect(name) {
      const config = await self.get(name);
      const port = s3Storage({
        bucket: config.bucket,
        ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
        ...(config.region ? { region: config.region } : {}),
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      });
      return config.prefix ? prefixed(port, config.prefix) : port;
    },
    async datasets(name, opts) {
      return datasets(await self.connect(name), opts);
    },
  };
  return self;
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  return (await deriveAesGcmKey(passphrase, salt, iterations)).key;
}

/** `base64(nonce(12) || ciphertext || tag(16))`, datas3t's layout, with the name as additional data. */
async function seal(key: CryptoKey, plaintext: string, name: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(name) },
    key,
    new TextEncoder().encode(plaintext),
  );
  const out = new Uint8Array(12 + data.byteLength);
  out.set(iv);
  out.set(new Uint8Array(data), 12);
  return toB64(out);
}

async function open(key: CryptoKey, sealed: string, name: string): Promise<string> {
  const bytes = fromB64(sealed);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: new TextEncoder().encode(name) },
      key,
      bytes.subarray(12),
    );
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(plain);
  } catch (err) {
    throw bkError(
      'AccessDenied',
      `cannot decrypt storage config "${name}": wrong passphrase, or the file was altered`,
      {
        cause: err,
        details: { name },
      },
    );
  }
}

function parseFile(bytes: Uint8Array, key: string): ConfigFile {
  const fail = (why: string) => bkError('Corrupt', `storage configs ${key}: ${why}`, { details: { key } });
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw fail('not JSON');
  }
  const file = raw as Partial<ConfigFile>;
  if (file?.format !== FORMAT) throw fail(`format is not ${FORMAT}`);
  const kdf = file.kdf;
  if (kdf?.name !== 'PBKDF2' || kdf.hash !== 'SHA-256' || typeof kdf.salt !== 'string') throw fail('bad kdf');
  if (!Number.isSafeInteger(kdf.iterations) || kdf.iterations < MIN_ITERATIONS)
    throw fail('too few PBKDF2 iterations');
  if (!Array.isArray(file.configs)) throw fail('configs is not an array');
  for (const c of file.configs) {
    if (typeof c?.name !== 'string' || typeof c.bucket !== 'string' || typeof c.sealed !== 'string') {
      throw fail('a config lacks name, bucket or sealed');
    }
  }
  return file as ConfigFile;
}

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromB64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
