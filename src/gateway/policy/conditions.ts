/**
 * The Condition element of a bucket policy: operators compiled once when the policy is stored, tested
 * against a request's context keys. Semantics from the IAM reference: operators AND together, keys of
 * one operator AND together, values of one key OR together (NOR for negated operators); a key the
 * request does not carry fails a condition, except negated operators (true), `...IfExists` (true) and
 * `Null`.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { malformed, template, wildcard } from './patterns.js';

/** A request's condition keys: the values of a key (lower-case name), undefined when it is absent. */
export type ContextValues = (key: string) => readonly string[] | undefined;

/** One compiled `Operator: { key: values }` pair. */
export interface Condition {
  key: string;
  /** `context` fills in policy variables in the condition's values. */
  test(values: readonly string[] | undefined, context?: ContextValues): boolean;
}

/** String and ARN operators, whose values may hold policy variables: how they compare. */
const TEMPLATED: Record<string, { ignoreCase?: boolean; wildcards: boolean }> = {
  StringEquals: { wildcards: false },
  StringNotEquals: { wildcards: false },
  StringEqualsIgnoreCase: { ignoreCase: true, wildcards: false },
  StringNotEqualsIgnoreCase: { ignoreCase: true, wildcards: false },
  StringLike: { wildcards: true },
  StringNotLike: { wildcards: true },
  ArnEquals: { wildcards: false },
  ArnNotEquals: { wildcards: false },
  ArnLike: { wildcards: true },
  ArnNotLike: { wildcards: true },
};

type Matcher = (policyValues: readonly string[]) => (requestValue: string) => boolean;

const exact: Matcher = (vs) => (v) => vs.includes(v);
const ignoreCase: Matcher = (vs) => {
  const lower = vs.map((x) => x.toLowerCase());
  return (v) => lower.includes(v.toLowerCase());
};
const like: Matcher = (vs) => {
  const patterns = vs.map((x) => wildcard(x, false));
  return (v) => patterns.some((p) => p.test(v));
};
const bool: Matcher = (vs) => {
  const lower = vs.map((x) => x.toLowerCase());
  return (v) => lower.includes(v.toLowerCase());
};

function numbers(vs: readonly string[], parse: (v: string) => number, what: string): number[] {
  return vs.map((v) => {
    const n = parse(v);
    if (Number.isNaN(n)) throw malformed(`Invalid Condition value: "${v.slice(0, 64)}" is not ${what}`);
    return n;
  });
}
const parseNumber = (v: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN);
const parseDate = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));

const compare =
  (parse: (v: string) => number, what: string, ok: (request: number, policy: number) => boolean): Matcher =>
  (vs) => {
    const limits = numbers(vs, parse, what);
    return (v) => {
      const n = parse(v);
      return !Number.isNaN(n) && limits.some((limit) => ok(n, limit));
    };
  };

const ipRange: Matcher = (vs) => {
  const list = new BlockList();
  for (const v of vs) {
    const [address = '', bits] = v.trim().split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
    const max = family === 'ipv4' ? 32 : 128;
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw malformed(`Invalid Condition value: "${v.slice(0, 64)}" is not an IP address or CIDR block`);
    }
    list.addSubnet(address, prefix, family);
  }
  return (v) => {
    const address = v.startsWith('::ffff:') && isIPv4(v.slice(7)) ? v.slice(7) : v;
    if (isIPv4(address)) return list.check(address, 'ipv4');
    return isIPv6(address) && list.check(address, 'ipv6');
  };
};

const numeric = (ok: (r: number, p: number) => boolean) => compare(parseNumber, 'a number', ok);
const date = (ok: (r: number, p: number) => boolean) => compare(parseDate, 'a date', ok);

/** Each operator: how a request value matches the policy values, and whether the operator negates. */
const OPERATORS: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: exact, negated: false },
  StringNotEquals: { match: exact, negated: true },
  StringEqualsIgnoreCase: { match: ignoreCase, negated: false },
  StringNotEqualsIgnoreCase: { match: ignoreCase, negated: true },
  StringLike: { match: like, negated: false },
  StringNotLike: { match: like, negated: true },
  NumericEquals: { match: numeric((r, p) => r === p), negated: false },
  NumericNotEquals: { match: numeric((r, p) => r === p), negated: true },
  NumericLessThan: { match: numeric((r, p) => r < p), negated: false },
  NumericLessThanEquals: { match: numeric((r, p) => r <= p), negated: false },
  NumericGreaterThan: { match: numeric((r, p) => r > p), negated: false },
  NumericGreaterThanEquals: { match: numeric((r, p) => r >= p), negated: false },
  DateEquals: { match: date((r, p) => r === p), negated: false },
  DateNotEquals: { match: date((r, p) => r === p), negated: true },
  DateLessThan: { match: date((r, p) => r < p), negated: false },
  DateLessThanEquals: { match: date((r, p) => r <= p), negated: false },
  DateGreaterThan: { match: date((r, p) => r > p), negated: false },
  DateGreaterThanEquals: { match: date((r, p) => r >= p), negated: false },
  Bool: { match: bool, negated: false },
  BinaryEquals: { match: exact, negated: false },
  IpAddress: { match: ipRange, negated: false },
  NotIpAddress: { match: ipRange, negated: true },
  ArnEquals: { match: exact, negated: false },
  ArnNotEquals: { match: exact, negated: true },
  ArnLike: { match: like, negated: false },
  ArnNotLike: { match: like, negated: true },
};

/** Condition keys a bucket policy may name: S3's and the global ones (tag keys by prefix). */
const KEYS = new Set(
  [
    'aws:CurrentTime',
    'aws:EpochTime',
    'aws:SecureTransport',
    'aws:SourceIp',
    'aws:UserAgent',
    'aws:Referer',
    'aws:userid',
    'aws:username',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalType',
    'aws:SourceArn',
    'aws:SourceAccount',
    'aws:SourceOwner',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:PrincipalOrgID',
    'aws:ViaAWSService',
    'aws:MultiFactorAuthPresent',
    's3:prefix',
    's3:delimiter',
    's3:max-keys',
    's3:x-amz-acl',
    's3:x-amz-copy-source',
    's3:x-amz-metadata-directive',
    's3:x-amz-server-side-encryption',
    's3:x-amz-server-side-encryption-aws-kms-key-id',
    's3:x-amz-server-side-encryption-customer-algorithm',
    's3:x-amz-storage-class',
    's3:x-amz-content-sha256',
    's3:x-amz-grant-read',
    's3:x-amz-grant-write',
    's3:x-amz-grant-read-acp',
    's3:x-amz-grant-write-acp',
    's3:x-amz-grant-full-control',
    's3:VersionId',
    's3:signatureversion',
    's3:signatureAge',
    's3:authType',
    's3:TlsVersion',
    's3:RequestObjectTagKeys',
    's3:object-lock-mode',
    's3:object-lock-retain-until-date',
    's3:object-lock-legal-hold',
    's3:LocationConstraint',
  ].map((k) => k.toLowerCase()),
);
const TAG_KEYS = ['s3:existingobjecttag/', 's3:requestobjecttag/', 'aws:principaltag/'];

/**
 * The name a context key is looked up by: lower case, except the tag key after a tag prefix (tag keys
 * are case-sensitive).
 *
 * @example
 * ```ts
 * contextKey('S3:ExistingObjectTag/Team'); // 's3:existingobjecttag/Team'
 * ```
 */
export function contextKey(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash > 0) {
    const prefix = `${name.slice(0, slash + 1).toLowerCase()}`;
    return TAG_KEYS.includes(prefix) && slash < name.length - 1 ? prefix + name.slice(slash + 1) : undefined;
  }
  const lower = name.toLowerCase();
  return KEYS.has(lower) ? lower : undefined;
}

const asStrings = (value: unknown): string[] | undefined => {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else return undefined;
  }
  return out;
};

/**
 * Compiles one Condition block (`{ "StringLike": { "s3:prefix": ["home/*"] }, ... }`), refusing unknown
 * operators and keys as `MalformedPolicy`.
 *
 * @example
 * ```ts
 * const [c] = compileConditions({ Bool: { 'aws:SecureTransport': 'false' } });
 * c.test(['false']); // true
 * ```
 */
export function compileConditions(block: unknown, variables = true): Condition[] {
  if (block === undefined) return [];
  if (typeof block !== 'object' || block === null || Array.isArray(block)) {
    throw malformed('Condition must be an object of operators');
  }
  const out: Condition[] = [];
  for (const [name, pairs] of Object.entries(block as Record<string, unknown>)) {
    const qualifier = /^(ForAnyValue|ForAllValues):/.exec(name)?.[1];
    const bare = qualifier ? name.slice(qualifier.length + 1) : name;
    const ifExists = bare.endsWith('IfExists') && bare !== 'IfExists';
    const base = ifExists ? bare.slice(0, -'IfExists'.length) : bare;
    if (typeof pairs !== 'object' || pairs === null || Array.isArray(pairs)) {
      throw malformed(`Invalid Condition: ${name.slice(0, 64)} must map condition keys to values`);
    }
    for (const [rawKey, rawValues] of Object.entries(pairs as Record<string, unknown>)) {
      const key = contextKey(rawKey);
      if (key === undefined) throw malformed(`Policy has an invalid condition key: ${rawKey.slice(0, 128)}`);
      const values = asStrings(rawValues);
      if (!values) throw malformed(`Invalid Condition value for ${rawKey.slice(0, 128)}`);
      if (base === 'Null' && !ifExists) {
        const wantAbsent = values.map((v) => v.toLowerCase() === 'true');
        out.push({ key, test: (got) => wantAbsent.includes(got === undefined || got.length === 0) });
        continue;
      }
      const operator = OPERATORS[base];
      if (!operator) throw malformed(`Invalid Condition type: ${name.slice(0, 64)}`);
      const templated = TEMPLATED[base];
      if (variables && templated && values.some((v) => v.includes('${'))) {
        const patterns = values.map((v) => template(v, templated));
        const lower = templated.ignoreCase === true;
        out.push({
          key,
          test: (got, context) =>
            tester(
              (v) => patterns.some((p) => p.test(lower ? v.toLowerCase() : v, context)),
              operator.negated,
              ifExists,
              qualifier,
            )(got),
        });
        continue;
      }
      const matches = operator.match(values);
      out.push({ key, test: tester(matches, operator.negated, ifExists, qualifier) });
    }
  }
  return out;
}

function tester(
  matches: (v: string) => boolean,
  negated: boolean,
  ifExists: boolean,
  qualifier: string | undefined,
): (got: readonly string[] | undefined) => boolean {
  return (got) => {
    if (got === undefined || got.length === 0) {
      if (qualifier === 'ForAllValues') return true;
      return ifExists || (negated && qualifier === undefined);
    }
    if (qualifier === 'ForAllValues') return got.every((v) => matches(v) !== negated);
    if (qualifier === 'ForAnyValue') return got.some((v) => matches(v) !== negated);
    const any = got.some(matches);
    return negated ? !any : any;
  };
}
