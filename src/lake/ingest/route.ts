/**
 * Which org and collector a raw object belongs to, as LakeRunner decides: `otel-raw/{org}/{collector}/...`
 * from the key, any other key by the longest configured prefix. Keys under `db/` (cooked output) and keys
 * ending in `/` are never ingested.
 */
import { bkError } from '../../errors.js';

/** Where a prefix's objects go. */
export interface PrefixRoute {
  org: string;
  /** Default `default`. */
  collector?: string;
}

export interface RawRoute {
  org: string;
  collector: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The org and collector of a raw key.
 *
 * @example
 * ```ts
 * routeRawKey('otel-raw/acme/c1/2026/logs_1.binpb.gz', {}); // { org: 'acme', collector: 'c1' }
 * routeRawKey('logs-raw/app.log.gz', { 'logs-raw/': { org: 'acme' } }); // { org: 'acme', collector: 'default' }
 * ```
 */
export function routeRawKey(key: string, prefixes: Readonly<Record<string, string | PrefixRoute>>): RawRoute {
  if (key.startsWith('db/') || key.endsWith('/')) {
    throw bkError('InvalidArgument', `${key} is cooked lake output or a folder, not a raw file`, {
      details: { key },
    });
  }
  let best: string | undefined;
  for (const prefix of Object.keys(prefixes)) {
    if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  let route: RawRoute | undefined;
  if (best !== undefined) {
    const target = prefixes[best]!;
    route =
      typeof target === 'string'
        ? { org: target, collector: 'default' }
        : { collector: 'default', ...target };
  } else {
    const parts = key.split('/');
    if (parts[0] === 'otel-raw' && parts.length >= 4) route = { org: parts[1]!, collector: parts[2]! };
  }
  if (route === undefined) {
    throw bkError(
      'InvalidArgument',
      `no org for ${key}: put it under otel-raw/{org}/{collector}/ or map its prefix in the lake's orgs option`,
      { details: { key } },
    );
  }
  for (const name of [route.org, route.collector]) {
    if (!SAFE_NAME.test(name)) {
      throw bkError(
        'InvalidArgument',
        `"${name}" is not a usable org or collector name (letters, digits, . _ -)`,
        {
          details: { key },
        },
      );
    }
  }
  return route;
}
