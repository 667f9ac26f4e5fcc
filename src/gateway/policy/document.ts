/**
 * Bucket policy documents: the JSON checked and compiled once (patterns, conditions, principals), so
 * evaluating a request is a few string tests per statement.
 */
import { s3Error } from '../s3-errors.js';
import { type Condition, compileConditions } from './conditions.js';
import { type Matcher, malformed, template, wildcard } from './patterns.js';

/** Who a statement names: everyone (`*`), or user ids. */
export interface Principals {
  any: boolean;
  ids: ReadonlySet<string>;
}

/** One statement, compiled. `not*` flags say the element was NotPrincipal / NotAction / NotResource. */
export interface Statement {
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  principals: Principals;
  notPrincipal: boolean;
  /** Lower-cased: test the lower-cased action name. */
  actions: readonly Matcher[];
  actionNames: readonly string[];
  notAction: boolean;
  resources: readonly Matcher[];
  resourceNames: readonly string[];
  notResource: boolean;
  conditions: readonly Condition[];
  /** The Condition block as written (for deciding whether the policy is public). */
  conditionBlock: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface BucketPolicy {
  /** The document as the client sent it (GetBucketPolicy answers with it). */
  text: string;
  statements: readonly Statement[];
  /** Some condition reads `s3:ExistingObjectTag/<key>`: requests must read the object's tags. */
  readsObjectTags: boolean;
}

/** S3's limit on a bucket policy, counted without whitespace outside strings. */
export const MAX_POLICY_BYTES = 20 * 1024;
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw malformed(`${field} must be a string or a list of strings`);
  }
  return list as string[];
}

/**
 * The user id an AWS principal names: an account id (`alice`), `arn:aws:iam::alice:root`, or
 * `arn:aws:iam::<account>:user/alice`; `*` for everyone. Undefined when it is not one of these.
 *
 * @example
 * ```ts
 * principalId('arn:aws:iam::alice:root'); // 'alice'
 * ```
 */
export function principalId(value: string): string | undefined {
  if (value === '*') return '*';
  const arn = /^arn:aws:iam::([^:]*):(root|user\/(.+))$/.exec(value);
  if (arn) return arn[3] ?? arn[1];
  return /^[A-Za-z0-9._@+=-]{1,128}$/.test(value) ? value : undefined;
}

function compilePrincipals(value: unknown, field: string): Principals {
  if (value === '*') return { any: true, ids: new Set() };
  if (!isObject(value)) throw malformed(`Invalid principal in policy: ${field} must be "*" or an object`);
  const ids = new Set<string>();
  let any = false;
  for (const [kind, names] of Object.entries(value)) {
    if (kind !== 'AWS' && kind !== 'CanonicalUser' && kind !== 'Service' && kind !== 'Federated') {
      throw malformed(`Invalid principal in policy: unknown principal type ${kind.slice(0, 32)}`);
    }
    for (const name of strings(names, `${field}.${kind}`)) {
      // services and federated identities never sign requests to this gateway: kept, never matched
      if (kind === 'Service' || kind === 'Federated') continue;
      const id = kind === 'AWS' ? principalId(name) : name;
      if (id === '*') any = true;
      else if (id === undefined || id.includes('*') || id.includes('?'))
        throw malformed(`Invalid principal in policy: "${name.slice(0, 128)}"`);
      else ids.add(id);
    }
  }
  return { any, ids };
}

function pick(
  statement: Record<string, unknown>,
  name: string,
): { value: unknown; negated: boolean } | undefined {
  const plain = statement[name];
  const negated = statement[`Not${name}`];
  if (plain !== undefined && negated !== undefined) {
    throw malformed(`A statement may have ${name} or Not${name}, not both`);
  }
  if (plain === undefined && negated === undefined) return undefined;
  return plain !== undefined ? { value: plain, negated: false } : { value: negated, negated: true };
}

function compileStatement(raw: unknown, index: number, variables: boolean): Statement {
  if (!isObject(raw)) throw malformed(`Statement ${index} must be an object`);
  for (const field of Object.keys(raw)) {
    if (!STATEMENT_FIELDS.has(field)) throw malformed(`Policy has invalid field: ${field.slice(0, 64)}`);
  }
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw malformed(
      effect === undefined ? 'Missing required field Effect' : 'Invalid effect: use Allow or Deny',
    );
  }
  const principal = pick(raw, 'Principal');
  if (!principal) throw malformed('Missing required field Principal');
  const action = pick(raw, 'Action');
  if (!action) throw malformed('Missing required field Action');
  const resource = pick(raw, 'Resource');
  if (!resource) throw malformed('Missing required field Resource');
  const actionNames = strings(action.value, 'Action');
  for (const name of actionNames) {
    if (name !== '*' && !/^s3:[A-Za-z0-9*?]+$/i.test(name)) {
      throw malformed(`Policy has invalid action: ${name.slice(0, 128)}`);
    }
  }
  const resourceNames = strings(resource.value, 'Resource');
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') throw malformed('Sid must be a string');
  const conditionBlock = raw.Condition ?? {};
  return {
    sid: raw.Sid,
    effect,
    principals: compilePrincipals(principal.value, principal.negated ? 'NotPrincipal' : 'Principal'),
    notPrincipal: principal.negated,
    actions: actionNames.map((a) => wildcard(a, true)),
    actionNames,
    notAction: action.negated,
    resources: resourceNames.map((r) => (variables ? template(r) : wildcard(r, false))),
    resourceNames,
    notResource: resource.negated,
    conditions: compileConditions(raw.Condition, variables),
    conditionBlock: conditionBlock as Statement['conditionBlock'],
  };
}

/** Bytes of the document without the whitespace between JSON tokens (what S3 limits). */
const compactSize = (parsed: unknown) => Buffer.byteLength(JSON.stringify(parsed));

/**
 * Parses and compiles a bucket policy, refusing what S3 refuses with `400 MalformedPolicy`: not JSON,
 * an unknown version or field, a statement without Effect, Principal, Action or Resource, an unknown
 * condition operator or key. Larger than 20 KiB is `400 PolicyTooLarge`.
 *
 * @example
 * ```ts
 * const policy = compilePolicy('{"Version":"2012-10-17","Statement":[...]}');
 * ```
 */
export function compilePolicy(text: string): BucketPolicy {
  if (!text.trimStart().startsWith('{')) {
    throw malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('Policies must be valid JSON');
  }
  if (!isObject(parsed)) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  if (compactSize(parsed) > MAX_POLICY_BYTES) {
    throw malformedTooLarge();
  }
  for (const field of Object.keys(parsed)) {
    if (!TOP_FIELDS.has(field)) throw malformed(`Policy has invalid field: ${field.slice(0, 64)}`);
  }
  if (parsed.Version !== undefined && !VERSIONS.has(parsed.Version as string)) {
    throw malformed('The policy must contain a valid version string');
  }
  if (parsed.Statement === undefined) throw malformed('Missing required field Statement');
  const list = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  if (list.length === 0) throw malformed('Missing required field Statement');
  // policy variables exist in the 2012-10-17 language; in 2008-10-17 policies `${...}` is literal text
  const variables = parsed.Version === '2012-10-17';
  const statements = list.map((statement, index) => compileStatement(statement, index, variables));
  const readsObjectTags = statements.some((s) =>
    s.conditions.some((c) => c.key.startsWith('s3:existingobjecttag/')),
  );
  return { text, statements, readsObjectTags };
}

const malformedTooLarge = () =>
  s3Error(
    'PolicyTooLarge',
    400,
    `Policy exceeds the maximum allowed document size: ${MAX_POLICY_BYTES} bytes without whitespace`,
  );

/**
 * Checks that a policy speaks of this bucket and of known users only: every Resource is `*` or an S3
 * ARN whose bucket part matches `bucket` (`Policy has invalid resource`), every principal a user.
 *
 * @example
 * ```ts
 * assertPolicyFor(policy, 'photos', (id) => users.byId(id) !== undefined);
 * ```
 */
export function assertPolicyFor(policy: BucketPolicy, bucket: string, isUser: (id: string) => boolean): void {
  for (const statement of policy.statements) {
    for (const name of statement.resourceNames) {
      if (name === '*') continue;
      const arn = /^arn:aws:s3:::([^/]*)(\/.*)?$/.exec(name);
      if (!arn || !wildcard(arn[1]!, false).test(bucket)) {
        throw malformed(`Policy has invalid resource: ${name.slice(0, 256)}`);
      }
    }
    for (const id of statement.principals.ids) {
      if (!isUser(id)) throw malformed(`Invalid principal in policy: no user "${id.slice(0, 128)}"`);
    }
  }
}
