import type { IncomingHttpHeaders } from 'node:http';
import { type Authenticated, authenticate, type RoutedResource } from './sigv4/index.js';

export type { Authenticated };

/**
 * Who may call the gateway: access keys with their secrets, or a lookup function.
 *
 * @example
 * ```ts
 * const credentials: Credentials = [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }];
 * const fromVault: Credentials = (id) => vault.secretOf(id);
 * ```
 */
export type Credentials =
  | ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>
  | ((accessKeyId: string) => string | undefined);

export interface AuthOptions {
  region: string;
  credentials: Credentials;
  allowAnonymous?: boolean;
  /** Accept Signature Version 2 Authorization headers (default false). */
  signatureV2?: boolean;
  now?: () => number;
}

const lookups = new WeakMap<object, (accessKeyId: string) => string | undefined>();

/** The secret of an access key, from a list or a lookup function (the list indexed once). */
export function secretLookup(credentials: Credentials): (accessKeyId: string) => string | undefined {
  if (typeof credentials === 'function') return credentials;
  let lookup = lookups.get(credentials);
  if (!lookup) {
    const table = new Map(credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
    lookup = (id) => table.get(id);
    lookups.set(credentials, lookup);
  }
  return lookup;
}

/**
 * Checks a request's SigV4 signature (header or presigned URL) and returns how to read its body.
 * `routed` is the bucket and key the gateway chose: a SigV2 presigned URL is checked against it only.
 * Throws a `BucketkitError` carrying the S3 error (`SignatureDoesNotMatch`, `AccessDenied`, ...).
 *
 * @example
 * ```ts
 * const auth = await authenticateRequest(req, { region: 'us-east-1', credentials: [{ accessKeyId, secretAccessKey }] });
 * for await (const chunk of auth.payload(req)) write(chunk);
 * ```
 */
export function authenticateRequest(
  request: { method?: string | undefined; url?: string | undefined; headers: IncomingHttpHeaders },
  options: AuthOptions,
  routed?: RoutedResource,
): Promise<Authenticated> {
  return authenticate(
    {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      ...(routed ? { routed } : {}),
    },
    {
      region: options.region,
      secretFor: secretLookup(options.credentials),
      ...(options.allowAnonymous ? { allowAnonymous: true } : {}),
      ...(options.signatureV2 ? { signatureV2: true } : {}),
      ...(options.now ? { now: options.now } : {}),
    },
  );
}
