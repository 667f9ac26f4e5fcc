import { resolve } from 'node:path';
import { bkError } from '../errors.js';
import type { StoragePort } from './contract/port.js';
import { fileStorage } from './file/file.js';
import { memoryStorage } from './memory/memory.js';
import { s3Storage } from './s3/s3.js';
import { redactUrl } from './wire/uri.js';
import { prefixed } from './wrappers/prefixed.js';

const memoryPorts = new Map<string, StoragePort>();

export interface ConnectOptions {
  /** Environment to read AWS_* fallbacks from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * Opens a port from a connection string:
 * - `memory://name` (one shared store per name in this process)
 * - `file:///abs/path` or `file://./relative/path`
 * - `s3://KEY:SECRET@bucket/prefix?region=eu-west-1` (AWS; `endpoint=` for others)
 * - `http(s)://KEY:SECRET@host:port/bucket/prefix` (path-style: MinIO, Ceph, the bucketkit gateway)
 *
 * Missing credentials and region fall back to `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION` and `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`.
 * Percent-encode `/`, `+`, `@` and `:` inside secrets.
 *
 * @example
 * ```ts
 * const port = connect('file://./data');
 * const remote = connect('http://minio:minio123@127.0.0.1:9000/backups/app1');
 * ```
 */
export function connect(url: string, options: ConnectOptions = {}): StoragePort {
  const env = options.env ?? process.env;
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url ?? '');
  if (!match) {
    throw invalid(url, 'it has no scheme; start it with memory://, file://, s3://, http:// or https://');
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  switch (scheme) {
    case 'memory': {
      const name = rest || 'default';
      let port = memoryPorts.get(name);
      if (!port) {
        port = memoryStorage({ name });
        memoryPorts.set(name, port);
      }
      return port;
    }
    case 'file': {
      const path = decode(url, rest.split('?')[0]!, 'path');
      if (path === '')
        throw invalid(url, 'the path is empty; use file:///absolute/path or file://./relative');
      return fileStorage(resolve(path));
    }
    case 's3':
    case 'http':
    case 'https':
      return connectS3(url, scheme, env);
    default:
      throw invalid(url, `the scheme "${scheme}:" is not one of memory, file, s3, http, https`);
  }
}

function connectS3(url: string, scheme: string, env: Record<string, string | undefined>): StoragePort {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw invalid(url, 'it is not a valid URL (percent-encode special characters in the secret)', cause);
  }
  const path = parsed.pathname.replace(/^\//, '');
  const [first, ...restOfPath] = scheme === 's3' ? [parsed.hostname, ...path.split('/')] : path.split('/');
  const bucket = decode(url, first ?? '', 'bucket');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(
      url,
      bucket === ''
        ? 'the bucket is missing (s3://bucket/prefix or http://host:port/bucket/prefix)'
        : `the bucket "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`,
    );
  }
  let prefix = restOfPath.map((part) => decode(url, part, 'prefix')).join('/');
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const user = decode(url, parsed.username, 'access key');
  const secret = decode(url, parsed.password, 'secret');
  if (user && !secret) throw invalid(url, 'it has an access key but no secret (KEY:SECRET@...)');
  const accessKeyId = user || env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = secret || env.AWS_SECRET_ACCESS_KEY;
  const region = parsed.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint =
    scheme === 's3'
      ? (parsed.searchParams.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)
      : `${scheme}://${parsed.host}`;
  const port = s3Storage({
    bucket,
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(!user && env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    probePrefix: `${prefix}.bucketkit/probe-`,
  });
  return prefixed(port, prefix);
}

function decode(url: string, text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw invalid(url, `the ${part} has a malformed %-escape; write "%" as %25`, cause);
  }
}

function invalid(url: string, why: string, cause?: unknown) {
  // the cause (a TypeError from new URL) quotes the whole string, secret included: keep only its kind
  const safe =
    cause === undefined ? {} : { cause: new Error(`${(cause as Error).name ?? 'Error'}: not a valid URL`) };
  return bkError('InvalidUrl', `cannot connect to "${redactUrl(url)}": ${why}`, safe);
}
