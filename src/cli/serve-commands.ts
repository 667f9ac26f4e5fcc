import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DeltaPolicy, type DeltaStorageOptions, delta } from '../delta/index.js';
import { bkError } from '../errors.js';
import {
  type BucketProvider,
  createGateway,
  folderBuckets,
  loadEncryptionKeys,
  loadUsers,
  staticBuckets,
} from '../gateway/index.js';
import { setLogger } from '../logger.js';
import { connect, redactUrl, type StoragePort } from '../storage/index.js';
import { err, out, parseOptions, UsageError } from './output.js';

const HELP = `usage: bucketkit serve --storage URL [options]

Serves storage over the S3 API (SigV4). With file://DIR each folder in DIR is a bucket; with any other
URL (s3://, http://, memory://) that one port is served as the bucket named by --bucket.

  --storage URL        file://./data (default) · s3://... · memory://name
  --bucket NAME        the bucket name for a non-file URL (default "data")
  --port N             port to listen on (default 9000; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1)
  --region R           region clients sign for (default us-east-1)
  --access-key ID      access key (else $BUCKETKIT_ACCESS_KEY_ID, else a random one)
  --secret-key S       secret key (else $BUCKETKIT_SECRET_ACCESS_KEY, else a random one)
  --tls-cert FILE      serve HTTPS with this certificate (PEM) ...
  --tls-key FILE       ... and key
  --allow-anonymous    accept unsigned requests
  --signature-v2       accept Signature Version 2 Authorization headers from old clients
  --cors ORIGIN        allow browser calls from ORIGIN ("*" for any); repeatable
  --virtual-host NAME  also address buckets as <bucket>.NAME (virtual-hosted style); repeatable
  --users FILE         users with ids, display names, e-mails and keys (JSON); buckets and objects
                       get owners and ACLs, enforced; --access-key then acts as the first user
  --encryption-keys FILE  master keys for SSE-S3 / SSE-KMS (JSON; created with a fresh key if missing)
  --customer-keys-over-http  accept SSE-C customer keys without TLS (S3 refuses them)
  --delta              store archives as DeltaGlider deltas (reference.bin + <name>.delta per folder);
                       clients see their own files, DeltaGlider reads the bucket
  --max-ratio R        with --delta: deltas above R of the file are stored whole (default 0.5)
  --single-writer      with --delta, on storage without conditional writes: create reference.bin anyway
                       (only this gateway may write there)`;

/** `bucketkit serve`: runs the S3 gateway until SIGINT or SIGTERM. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    {
      storage: { type: 'string', default: 'file://./data' },
      bucket: { type: 'string', default: 'data' },
      port: { type: 'string', default: '9000' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string', default: 'us-east-1' },
      'access-key': { type: 'string' },
      'secret-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'allow-anonymous': { type: 'boolean' },
      'signature-v2': { type: 'boolean' },
      cors: { type: 'string', multiple: true },
      'virtual-host': { type: 'string', multiple: true },
      'encryption-keys': { type: 'string' },
      users: { type: 'string' },
      'customer-keys-over-http': { type: 'boolean' },
      delta: { type: 'boolean' },
      'max-ratio': { type: 'string' },
      'single-writer': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'serve ',
  );
  if (positionals.length > 0) {
    throw new UsageError(
      `bucketkit: serve takes options only, not "${positionals[0]}" (bucketkit serve --help)`,
    );
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    err(`--port must be 0-65535\n\n${HELP}`);
    return 2;
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    err(`--tls-cert and --tls-key go together\n\n${HELP}`);
    return 2;
  }
  const accessKeyId =
    values['access-key'] ??
    process.env.BUCKETKIT_ACCESS_KEY_ID ??
    `BK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey =
    values['secret-key'] ?? process.env.BUCKETKIT_SECRET_ACCESS_KEY ?? randomBytes(30).toString('base64url');
  if (!values.delta && (values['single-writer'] || values['max-ratio'] !== undefined)) {
    err(`--single-writer and --max-ratio go with --delta\n\n${HELP}`);
    return 2;
  }
  const plain = bucketsFor(values.storage, values.bucket);
  const buckets = values.delta
    ? deltaBuckets(plain, {
        ...(values['single-writer'] ? { assumeSingleWriter: true } : {}),
        ...(values['max-ratio'] !== undefined ? { maxRatio: Number(values['max-ratio']) } : {}),
      })
    : plain;
  if (values.delta) {
    setLogger((event) => {
      if (event.level === 'warn' && event.scope === 'delta') err(`bucketkit: warning: ${event.message}`);
    });
  }
  const encryption = {
    ...(values['encryption-keys'] ? await loadEncryptionKeys(values['encryption-keys']) : {}),
    ...(values['customer-keys-over-http'] ? { customerKeysOverHttp: true } : {}),
  };
  const gateway = createGateway({
    encryption,
    ...(values.users ? { users: await loadUsers(values.users) } : {}),
    buckets,
    credentials: [{ accessKeyId, secretAccessKey }],
    region: values.region,
    ...(values['allow-anonymous'] ? { allowAnonymous: true } : {}),
    ...(values['signature-v2'] ? { signatureV2: true } : {}),
    ...(values['virtual-host']?.length ? { hostSuffixes: values['virtual-host'] } : {}),
    ...(values.cors?.length ? { cors: { origins: values.cors.includes('*') ? '*' : values.cors } } : {}),
    ...(values['tls-cert'] && values['tls-key']
      ? { tls: { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) } }
      : {}),
  });
  const listening = await gateway.listen(port, values.host);
  out(`bucketkit gateway serving ${redactUrl(values.storage)}${values.delta ? ' (DeltaGlider deltas)' : ''}`);
  out(`endpoint    ${listening.endpoint}`);
  out(`region      ${values.region}`);
  out(`access key  ${accessKeyId}`);
  out(`secret key  ${secretAccessKey}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await listening.close();
  await buckets.close?.();
  return 0;
}

function bucketsFor(storage: string, bucket: string): BucketProvider {
  if (storage.startsWith('file://')) {
    const path = decodeURIComponent(storage.slice('file://'.length).split('?')[0]!);
    if (!path)
      throw bkError('InvalidUrl', 'the file:// path is empty; use file://./data or file:///abs/path');
    return folderBuckets(path);
  }
  return staticBuckets({ [bucket]: connect(storage) });
}

/** Every bucket of `provider` behind `delta()`: one wrapper (and reference cache) per bucket port. */
function deltaBuckets(provider: BucketProvider, options: DeltaStorageOptions): BucketProvider {
  new DeltaPolicy(options); // a bad --max-ratio is a usage error now, not on every request
  const wrapped = new WeakMap<StoragePort, StoragePort>();
  return {
    list: () => provider.list(),
    async get(name) {
      const port = await provider.get(name);
      if (!port) return undefined;
      let out = wrapped.get(port);
      if (!out) {
        out = delta(port, options);
        wrapped.set(port, out);
      }
      return out;
    },
    create: (name) => provider.create(name),
    delete: (name) => provider.delete(name),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}
