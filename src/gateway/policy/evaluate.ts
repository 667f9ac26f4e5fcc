/**
 * Evaluating a bucket policy for one request: an explicit Deny wins, then any Allow, else the policy
 * says nothing (and ACLs decide), as the IAM policy evaluation logic describes.
 */
import type { ContextValues } from './conditions.js';
import type { BucketPolicy, Statement } from './document.js';

/** What a policy says about a request. */
export type Decision = 'Allow' | 'Deny' | 'None';

/** A request as a policy sees it. */
export interface PolicyRequest {
  /** The caller's user id; undefined when anonymous. */
  principal: string | undefined;
  /** `s3:GetObject`, ... */
  action: string;
  /** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`. */
  resource: string;
  context: ContextValues;
}

function principalMatches(statement: Statement, principal: string | undefined): boolean {
  const { any, ids } = statement.principals;
  const named = any || (principal !== undefined && ids.has(principal));
  return named !== statement.notPrincipal;
}

/**
 * Whether a statement applies to a request: principal, action, resource and every condition.
 *
 * @example
 * ```ts
 * if (applies(statement, request)) decision = statement.effect;
 * ```
 */
export function applies(
  statement: Statement,
  request: PolicyRequest,
  action = request.action.toLowerCase(),
): boolean {
  if (!principalMatches(statement, request.principal)) return false;
  if (statement.actions.some((p) => p.test(action)) === statement.notAction) return false;
  if (statement.resources.some((p) => p.test(request.resource, request.context)) === statement.notResource)
    return false;
  for (const condition of statement.conditions) {
    if (!condition.test(request.context(condition.key), request.context)) return false;
  }
  return true;
}

/**
 * The policy's decision for a request: `Deny` when any statement denies it, else `Allow` when one
 * allows it, else `None`.
 *
 * @example
 * ```ts
 * evaluatePolicy(policy, { principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: () => undefined });
 * ```
 */
export function evaluatePolicy(policy: BucketPolicy, request: PolicyRequest): Decision {
  let decision: Decision = 'None';
  const action = request.action.toLowerCase();
  for (const statement of policy.statements) {
    if (!applies(statement, request, action)) continue;
    if (statement.effect === 'Deny') return 'Deny';
    decision = 'Allow';
  }
  return decision;
}
