/**
 * Bucket CORS (`?cors` GET, PUT, DELETE): the rules a client sets answer preflights and add the CORS
 * headers to ordinary responses; a bucket without rules falls back to the server's `cors` option.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { smallBody } from './body.js';
import { readBucketConfig, writeBucketConfig } from './bucket-config.js';
import type { BucketProvider } from './buckets.js';
import { type RequestContext, type ServedBucket, servedBucket } from './context.js';
import { type CorsOptions, corsHeaders, preflight } from './cors.js';
import { header, send, sendXml } from './http.js';
import type { Target } from './route.js';
import { s3Error } from './s3-errors.js';
import { childrenNamed, childText, parseXml, toXml } from './xml.js';

/** One CORSRule of a bucket's configuration. */
export interface CorsRule {
  id?: string;
  origins: string[];
  methods: string[];
  headers: string[];
  expose: string[];
  maxAge?: number;
}

const METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);

function parseRules(xml: string): CorsRule[] {
  const root = parseXml(xml);
  if (root.name !== 'CORSConfiguration')
    throw s3Error('MalformedXML', 400, 'the body must be a CORSConfiguration document');
  const rules = childrenNamed(root, 'CORSRule').map((rule) => {
    const texts = (name: string) => childrenNamed(rule, name).map((e) => e.text.trim());
    const methods = texts('AllowedMethod');
    const origins = texts('AllowedOrigin');
    if (methods.length === 0 || origins.length === 0) {
      throw s3Error('MalformedXML', 400, 'every CORSRule needs an AllowedOrigin and an AllowedMethod');
    }
    for (const method of methods) {
      if (!METHODS.has(method)) {
        throw s3Error(
          'InvalidRequest',
          400,
          `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`,
        );
      }
    }
    for (const origin of origins) {
      if (origin.split('*').length > 2)
        throw s3Error(
          'InvalidRequest',
          400,
          `AllowedOrigin "${origin}" can not have more than one wildcard.`,
        );
    }
    const maxAge = childText(rule, 'MaxAgeSeconds');
    const id = childText(rule, 'ID');
    return {
      ...(id !== undefined ? { id } : {}),
      origins,
      methods,
      headers: texts('AllowedHeader'),
      expose: texts('ExposeHeader'),
      ...(maxAge !== undefined ? { maxAge: Number(maxAge) } : {}),
    };
  });
  if (rules.length === 0 || rules.length > 100)
    throw s3Error('MalformedXML', 400, 'a CORSConfiguration holds 1 to 100 CORSRules');
  return rules;
}

/** `*` in a pattern matches any run of characters (case-insensitive for headers). */
function wildcard(pattern: string, value: string, caseless = false): boolean {
  const [p, v] = caseless ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  return v.length >= p.length - 1 && v.startsWith(p.slice(0, star)) && v.endsWith(p.slice(star + 1));
}

/** The first rule allowing `origin`, `method` and every requested header, as S3 picks it. */
function matchRule(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  requested: readonly string[],
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.origins.some((o) => wildcard(o, origin)) &&
      rule.methods.includes(method) &&
      requested.every((h) => rule.headers.some((a) => wildcard(a, h, true))),
  );
}

function ruleHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const any = rule.origins.includes('*');
  return {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': rule.methods.join(', '),
    ...(rule.expose.length ? { 'access-control-expose-headers': rule.expose.join(', ') } : {}),
    ...(rule.maxAge !== undefined ? { 'access-control-max-age': String(rule.maxAge) } : {}),
    ...(any ? {} : { 'access-control-allow-credentials': 'true' }),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

async function bucketRules(buckets: BucketProvider, target: Target): Promise<CorsRule[] | undefined> {
  if (target.bucket === undefined) return undefined;
  try {
    return await readBucketConfig<CorsRule[]>(await servedBucket(buckets, target.bucket), 'cors');
  } catch {
    // a bucket that does not exist (or cannot be read) has no rules; the request itself will say why
    return undefined;
  }
}

/**
 * CORS for one request: a preflight (OPTIONS) is answered here (returns true); other requests get the
 * CORS headers of the rule that allows them. The bucket's own rules decide when it has any, the
 * server's `cors` option otherwise.
 *
 * @example
 * ```ts
 * if (await applyCors(options.cors, options.buckets, req, res, target)) return;
 * ```
 */
export async function applyCors(
  fallback: CorsOptions | undefined,
  buckets: BucketProvider,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
): Promise<boolean> {
  const origin = header(req.headers, 'origin');
  const isPreflight = req.method === 'OPTIONS';
  const rules = origin || isPreflight ? await bucketRules(buckets, target) : undefined;
  if (!rules) {
    corsHeaders(fallback, req, res);
    if (isPreflight) preflight(fallback, req, res);
    return isPreflight;
  }
  if (!isPreflight) {
    const rule = matchRule(rules, origin, req.method ?? 'GET', []);
    if (rule)
      for (const [name, value] of Object.entries(ruleHeaders(rule, origin))) res.setHeader(name, value);
    return false;
  }
  const method = header(req.headers, 'access-control-request-method').toUpperCase();
  if (!origin || !method)
    throw s3Error('BadRequest', 400, 'Insufficient information. Origin request header needed.');
  const requested = header(req.headers, 'access-control-request-headers')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const rule = matchRule(rules, origin, method, requested);
  if (!rule)
    throw s3Error(
      'AccessForbidden',
      403,
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  send(res, 200, {
    ...ruleHeaders(rule, origin),
    ...(requested.length ? { 'access-control-allow-headers': requested.join(', ') } : {}),
  });
  return true;
}

/** GetBucketCors: the rules, or `NoSuchCORSConfiguration`. */
export async function getBucketCors(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const rules = await readBucketConfig<CorsRule[]>(bucket, 'cors', ctx.signal);
  if (!rules)
    throw s3Error('NoSuchCORSConfiguration', 404, 'The CORS configuration does not exist', {
      bucket: bucket.name,
    });
  sendXml(
    ctx.res,
    toXml('CORSConfiguration', {
      CORSRule: rules.map((r) => ({
        ...(r.id !== undefined ? { ID: r.id } : {}),
        AllowedHeader: r.headers,
        AllowedMethod: r.methods,
        AllowedOrigin: r.origins,
        ExposeHeader: r.expose,
        ...(r.maxAge !== undefined ? { MaxAgeSeconds: r.maxAge } : {}),
      })),
    }),
  );
}

/** PutBucketCors: replaces the rules. */
export async function putBucketCors(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'cors', parseRules(await smallBody(ctx)), ctx.signal);
  send(ctx.res, 200);
}

/** DeleteBucketCors: 204; the server's `cors` option applies again. */
export async function deleteBucketCors(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  await writeBucketConfig(bucket, 'cors', undefined, ctx.signal);
  send(ctx.res, 204);
}
