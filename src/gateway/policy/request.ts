/**
 * The condition keys of one gateway request (global `aws:*` keys and S3's `s3:*` keys), computed
 * only when a condition asks for them.
 */
import type { TLSSocket } from 'node:tls';
import type { RequestContext } from '../context.js';
import { header } from '../http.js';
import type { Tag } from '../meta/index.js';
import type { ContextValues } from './conditions.js';

/** `s3:*` keys read straight from a request header of the same name. */
const HEADER_KEYS = new Set([
  'x-amz-acl',
  'x-amz-copy-source',
  'x-amz-metadata-directive',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-storage-class',
  'x-amz-content-sha256',
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
]);
const LOCK_KEYS: Record<string, string> = {
  's3:object-lock-mode': 'x-amz-object-lock-mode',
  's3:object-lock-retain-until-date': 'x-amz-object-lock-retain-until-date',
  's3:object-lock-legal-hold': 'x-amz-object-lock-legal-hold',
};

const one = (v: string | undefined) => (v === undefined ? undefined : [v]);
const present = (v: string) => (v === '' ? undefined : [v]);

/** The caller's address as policies compare it (IPv4-mapped IPv6 as plain IPv4). */
export function sourceIp(ctx: RequestContext): string | undefined {
  const address = ctx.req.socket.remoteAddress;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

function authKeys(ctx: RequestContext): { version: string; type: string } {
  const authorization = header(ctx.req.headers, 'authorization');
  if (authorization) {
    return { version: authorization.startsWith('AWS ') ? 'AWS' : 'AWS4-HMAC-SHA256', type: 'REST-HEADER' };
  }
  const query = ctx.target.query;
  if (query.has('X-Amz-Signature')) return { version: 'AWS4-HMAC-SHA256', type: 'REST-QUERY-STRING' };
  return { version: 'AWS', type: 'REST-QUERY-STRING' };
}

/**
 * The condition keys of a request. `objectTags` are the tags of the object it acts on (for
 * `s3:ExistingObjectTag/<key>`), when the policy asks for them and the object exists.
 *
 * @example
 * ```ts
 * const values = requestValues(ctx, tags);
 * values('aws:securetransport'); // ['false']
 * ```
 */
export function requestValues(ctx: RequestContext, objectTags?: readonly Tag[]): ContextValues {
  const headers = ctx.req.headers;
  const query = ctx.target.query;
  const caller = ctx.caller?.id;
  return (key) => {
    if (key.startsWith('s3:existingobjecttag/')) {
      const name = key.slice('s3:existingobjecttag/'.length);
      return one(objectTags?.find((t) => t.key === name)?.value);
    }
    if (key.startsWith('s3:requestobjecttag')) {
      const tagging = header(headers, 'x-amz-tagging');
      if (!tagging) return undefined;
      const tags = [...new URLSearchParams(tagging)];
      if (key === 's3:requestobjecttagkeys') return tags.map(([k]) => k);
      const name = key.slice('s3:requestobjecttag/'.length);
      return one(tags.find(([k]) => k === name)?.[1]);
    }
    if (key.startsWith('s3:x-amz-')) {
      const name = key.slice(3);
      return HEADER_KEYS.has(name) ? present(header(headers, name)) : undefined;
    }
    const lockHeader = LOCK_KEYS[key];
    if (lockHeader) return present(header(headers, lockHeader));
    switch (key) {
      case 'aws:securetransport':
        return [(ctx.req.socket as TLSSocket).encrypted ? 'true' : 'false'];
      case 'aws:sourceip':
        return one(sourceIp(ctx));
      case 'aws:useragent':
        return present(header(headers, 'user-agent'));
      case 'aws:referer':
        return present(header(headers, 'referer'));
      case 'aws:currenttime':
        return [new Date().toISOString()];
      case 'aws:epochtime':
        return [String(Math.floor(Date.now() / 1000))];
      case 'aws:userid':
      case 'aws:username':
      case 'aws:principalaccount':
        return one(caller);
      case 'aws:principalarn':
        return caller === undefined ? undefined : [`arn:aws:iam::${caller}:root`];
      case 'aws:principaltype':
        return [caller === undefined ? 'Anonymous' : 'Account'];
      case 's3:prefix':
        return one(query.get('prefix'));
      case 's3:delimiter':
        return one(query.get('delimiter'));
      case 's3:max-keys':
        return one(query.get('max-keys'));
      case 's3:versionid':
        return one(query.get('versionId'));
      case 's3:signatureversion':
        return caller === undefined ? undefined : [authKeys(ctx).version];
      case 's3:authtype':
        return caller === undefined ? undefined : [authKeys(ctx).type];
      case 's3:tlsversion':
        return one(
          (ctx.req.socket as TLSSocket).encrypted
            ? ((ctx.req.socket as TLSSocket).getProtocol?.() ?? undefined)
            : undefined,
        );
      default:
        return undefined;
    }
  };
}
