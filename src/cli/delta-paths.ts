/**
 * Remote paths for `bucketkit delta`: connection-string URLs (`http://KEY:SECRET@host/bucket/dir/x.zip`)
 * and aws-cli-style `s3://bucket/dir/x.zip` whose endpoint, region and credentials come from flags
 * (`--endpoint-url`, `--region`) or the AWS environment variables DeltaGlider reads.
 */
import { bkError } from '../errors.js';
import { connect, redactUrl, type StoragePort } from '../storage/index.js';
import { UsageError } from './output.js';

/** Flags DeltaGlider's CLI takes for where S3 is. */
export interface RemoteFlags {
  'endpoint-url'?: string;
  region?: string;
}

/** True for `scheme://...` (a remote path), false for a local file or a bare key. */
export const isRemote = (path: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(path);

/** Opens a port for `url`, with `--endpoint-url`/`--region` taking the place of the AWS variables. */
export function openRemote(url: string, flags: RemoteFlags): StoragePort {
  const env = { ...process.env };
  if (flags['endpoint-url']) {
    env.AWS_ENDPOINT_URL_S3 = flags['endpoint-url'];
    env.AWS_ENDPOINT_URL = flags['endpoint-url'];
  }
  if (flags.region) env.AWS_REGION = flags.region;
  return connect(url, { env });
}

function parse(path: string): URL {
  try {
    return new URL(path);
  } catch {
    throw bkError(
      'InvalidUrl',
      `"${redactUrl(path)}" is not a valid URL (percent-encode special characters in the secret)`,
      { cause: new Error('not a valid URL') },
    );
  }
}

/**
 * A remote file path: the port is the URL of its folder and `name` the file name, so the folder is
 * the DeltaSpace (the port's prefix, which DeltaSpace keeps in `dg-ref-key`).
 *
 * @example
 * ```ts
 * remoteFile('s3://releases/app/app-1.2.zip', 'cp'); // { url: 's3://releases/app', name: 'app-1.2.zip' }
 * ```
 */
export function remoteFile(path: string, command: string): { url: string; name: string } {
  const parsed = parse(path);
  const slash = parsed.pathname.lastIndexOf('/');
  const name = decodeURIComponent(parsed.pathname.slice(slash + 1));
  if (!name) throw new UsageError(`delta ${command}: "${redactUrl(path)}" must end with a file name`);
  parsed.pathname = parsed.pathname.slice(0, slash) || '/';
  return { url: parsed.toString(), name };
}
