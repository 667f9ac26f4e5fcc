/**
 * S3 access control lists: grants, canned ACLs, the `x-amz-grant-*` headers and the
 * AccessControlPolicy document, and what a caller may do under an ACL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { header } from '../http.js';
import { s3Error } from '../s3-errors.js';
import { childrenNamed, childText, escapeXml, parseXml, S3_NS } from '../xml.js';
import { type Directory, displayName } from './users.js';

export type Permission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';
const PERMISSIONS: readonly Permission[] = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'];

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

/** A grantee is a user (by canonical id; e-mails are resolved when the grant is made) or a group. */
export type Grantee = { id: string } | { uri: string };
export interface Grant {
  grantee: Grantee;
  permission: Permission;
}
/** An ACL: the resource's owner (who always has full control) and its grants. */
export interface Acl {
  owner: string;
  grants: Grant[];
}

/** Who asks: a user id (undefined when anonymous). */
export interface Requester {
  id: string | undefined;
}

/**
 * Whether `who` holds `permission` under `acl`: the owner always does, FULL_CONTROL implies every
 * permission, AllUsers includes anonymous callers, AuthenticatedUsers every signed-in user.
 *
 * @example
 * ```ts
 * allows({ owner: 'alice', grants: [{ grantee: { uri: ALL_USERS }, permission: 'READ' }] }, { id: undefined }, 'READ'); // true
 * ```
 */
export function allows(acl: Acl, who: Requester, permission: Permission): boolean {
  if (who.id !== undefined && who.id === acl.owner) return true;
  return acl.grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    if ('id' in g.grantee) return who.id !== undefined && g.grantee.id === who.id;
    if (g.grantee.uri === ALL_USERS) return true;
    return g.grantee.uri === AUTHENTICATED_USERS && who.id !== undefined;
  });
}

const CANNED = new Set([
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
  'aws-exec-read',
]);

/**
 * The grants of a canned ACL for a resource owned by `owner` in a bucket owned by `bucketOwner`.
 *
 * @example
 * ```ts
 * cannedAcl('public-read', 'alice', 'alice').grants.length; // 2
 * ```
 */
export function cannedAcl(name: string, owner: string, bucketOwner = owner): Acl {
  const full: Grant = { grantee: { id: owner }, permission: 'FULL_CONTROL' };
  const group = (uri: string, permission: Permission): Grant => ({ grantee: { uri }, permission });
  const extra: Record<string, Grant[]> = {
    private: [],
    'aws-exec-read': [],
    'public-read': [group(ALL_USERS, 'READ')],
    'public-read-write': [group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE')],
    'authenticated-read': [group(AUTHENTICATED_USERS, 'READ')],
    'bucket-owner-read': bucketOwner === owner ? [] : [{ grantee: { id: bucketOwner }, permission: 'READ' }],
    'bucket-owner-full-control':
      bucketOwner === owner ? [] : [{ grantee: { id: bucketOwner }, permission: 'FULL_CONTROL' }],
    'log-delivery-write': [group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP')],
  };
  const grants = extra[name];
  if (!grants) throw s3Error('InvalidArgument', 400, `x-amz-acl "${name}" is not a canned ACL`);
  return { owner, grants: [full, ...grants] };
}

const GRANT_HEADERS: Array<[string, Permission]> = [
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
];

/** Whether a request carries `x-amz-acl` or any `x-amz-grant-*` header. */
export function hasAclHeaders(headers: IncomingHttpHeaders): boolean {
  return header(headers, 'x-amz-acl') !== '' || GRANT_HEADERS.some(([name]) => header(headers, name) !== '');
}

function resolveGrantee(kind: string, value: string, users: Directory): Grantee {
  if (kind === 'id') {
    if (!users.byId(value))
      throw s3Error('InvalidArgument', 400, `Invalid id: no user has the id "${value}"`);
    return { id: value };
  }
  if (kind === 'emailaddress') {
    const user = users.byEmail(value);
    if (!user) {
      throw s3Error(
        'UnresolvableGrantByEmailAddress',
        400,
        'The e-mail address you provided does not match any account on record.',
      );
    }
    return { id: user.id };
  }
  if (kind === 'uri') {
    if (!GROUPS.has(value)) throw s3Error('InvalidArgument', 400, `Invalid group uri "${value}"`);
    return { uri: value };
  }
  throw s3Error(
    'InvalidArgument',
    400,
    `a grantee is id="...", emailAddress="..." or uri="..."; not ${kind}`,
  );
}

/**
 * The ACL a request's headers ask for (`x-amz-acl`, or `x-amz-grant-*` lists such as
 * `id="alice", uri="http://acs.amazonaws.com/groups/global/AllUsers"`), or undefined when it names none.
 *
 * @example
 * ```ts
 * const acl = aclFromHeaders(req.headers, 'alice', 'alice', users) ?? cannedAcl('private', 'alice');
 * ```
 */
export function aclFromHeaders(
  headers: IncomingHttpHeaders,
  owner: string,
  bucketOwner: string,
  users: Directory,
): Acl | undefined {
  const canned = header(headers, 'x-amz-acl').trim();
  const granted = GRANT_HEADERS.filter(([name]) => header(headers, name) !== '');
  if (canned && granted.length > 0) {
    throw s3Error('InvalidRequest', 400, 'Specifying both Canned ACLs and Header Grants is not allowed');
  }
  if (canned) {
    if (!CANNED.has(canned))
      throw s3Error('InvalidArgument', 400, `x-amz-acl "${canned}" is not a canned ACL`);
    return cannedAcl(canned, owner, bucketOwner);
  }
  if (granted.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [name, permission] of granted) {
    for (const item of header(headers, name).split(',')) {
      const match = /^\s*([A-Za-z]+)\s*=\s*"?([^"]*)"?\s*$/.exec(item);
      if (!match)
        throw s3Error('InvalidArgument', 400, `${name}: want id="...", emailAddress="..." or uri="..."`);
      grants.push({ grantee: resolveGrantee(match[1]!.toLowerCase(), match[2]!, users), permission });
    }
  }
  return { owner, grants };
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * An ACL as S3's AccessControlPolicy document.
 *
 * @example
 * ```ts
 * sendXml(res, aclXml(acl, users));
 * ```
 */
export function aclXml(acl: Acl, users: Directory): string {
  const user = (id: string) => {
    const found = users.byId(id);
    return `<ID>${escapeXml(id)}</ID><DisplayName>${escapeXml(found ? displayName(found) : id)}</DisplayName>`;
  };
  const grants = acl.grants
    .map((g) => {
      const grantee =
        'id' in g.grantee
          ? `<Grantee xmlns:xsi="${XSI}" xsi:type="CanonicalUser">${user(g.grantee.id)}</Grantee>`
          : `<Grantee xmlns:xsi="${XSI}" xsi:type="Group"><URI>${escapeXml(g.grantee.uri)}</URI></Grantee>`;
      return `<Grant>${grantee}<Permission>${g.permission}</Permission></Grant>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="${S3_NS}"><Owner>${user(acl.owner)}</Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
}

/** Most grants one ACL may hold (S3's limit). */
const MAX_GRANTS = 100;

/**
 * Parses an AccessControlPolicy document. Its Owner must be the resource's owner (a document naming
 * another owner is refused, as S3 does); grantees by e-mail become the user's id.
 *
 * @example
 * ```ts
 * const acl = parseAclXml(body, current.owner, users);
 * ```
 */
export function parseAclXml(text: string, owner: string, users: Directory): Acl {
  const root = parseXml(text);
  if (root.name !== 'AccessControlPolicy')
    throw s3Error('MalformedACLError', 400, 'the body must be an AccessControlPolicy');
  const ownerElement = childrenNamed(root, 'Owner')[0];
  const ownerId = ownerElement ? childText(ownerElement, 'ID')?.trim() : undefined;
  if (ownerId !== undefined && ownerId !== owner) {
    throw s3Error('AccessDenied', 403, 'the Owner of an ACL cannot be changed');
  }
  const list = childrenNamed(root, 'AccessControlList')[0];
  const grants = list ? childrenNamed(list, 'Grant') : [];
  if (grants.length > MAX_GRANTS)
    throw s3Error('MalformedACLError', 400, `an ACL holds at most ${MAX_GRANTS} grants`);
  return {
    owner,
    grants: grants.map((grant) => {
      const permission = childText(grant, 'Permission')?.trim() as Permission;
      if (!PERMISSIONS.includes(permission))
        throw s3Error('MalformedACLError', 400, `unknown Permission "${permission}"`);
      const grantee = childrenNamed(grant, 'Grantee')[0];
      if (!grantee) throw s3Error('MalformedACLError', 400, 'a Grant needs a Grantee');
      const id = childText(grantee, 'ID')?.trim();
      const email = childText(grantee, 'EmailAddress')?.trim();
      const uri = childText(grantee, 'URI')?.trim();
      if (id !== undefined) return { grantee: resolveGrantee('id', id, users), permission };
      if (email !== undefined) return { grantee: resolveGrantee('emailaddress', email, users), permission };
      if (uri !== undefined) return { grantee: resolveGrantee('uri', uri, users), permission };
      throw s3Error('MalformedACLError', 400, 'a Grantee needs an ID, EmailAddress or URI');
    }),
  };
}

/** An ACL in a compact, printable-ASCII form for object metadata. */
export function encodeAcl(acl: Acl): string {
  return JSON.stringify(
    acl.grants.map((g) => ['id' in g.grantee ? `i:${g.grantee.id}` : `u:${g.grantee.uri}`, g.permission]),
  );
}

/** The ACL `encodeAcl` wrote, owned by `owner` (private when the text is unreadable). */
export function decodeAcl(text: string | undefined, owner: string): Acl {
  try {
    const pairs = JSON.parse(text ?? '') as Array<[string, Permission]>;
    return {
      owner,
      grants: pairs.map(([who, permission]) => ({
        grantee: who.startsWith('i:') ? { id: who.slice(2) } : { uri: who.slice(2) },
        permission,
      })),
    };
  } catch {
    return cannedAcl('private', owner);
  }
}
