/**
 * Prometheus's type rules for a parsed expression: function arguments, aggregation operands, what each
 * binary operator accepts, and regex matchers that compile. Errors are `details.promql: 'type'`
 * (or `'parse'` for a bad regex), as Prometheus reports them before evaluating.
 */
import { compileLabelRegex } from '../logql/regex.js';
import type { Expr, ValueType } from './ast.js';
import { promqlError } from './errors.js';
import { SIGNATURES } from './signatures.js';

const NAMES: Readonly<Record<ValueType, string>> = {
  scalar: 'scalar',
  string: 'string',
  vector: 'instant vector',
  matrix: 'range vector',
};

/**
 * Throws a typed error when `expr` breaks a type rule.
 *
 * @example
 * ```ts
 * checkTypes('rate(x)', expr); // throws: expected type range vector in call to function "rate"
 * ```
 */
export function checkTypes(query: string, expr: Expr): void {
  const fail = (message: string) => {
    throw promqlError('type', message, { query });
  };
  const expect = (e: Expr, want: ValueType, context: string) => {
    check(e);
    const got = typeOf(e);
    if (got !== want) fail(`expected type ${NAMES[want]} in ${context}, got ${NAMES[got]}`);
  };
  const check = (e: Expr): void => {
    switch (e.kind) {
      case 'number':
      case 'string':
        return;
      case 'vector':
        for (const m of e.matchers) {
          if (m.op !== '=~' && m.op !== '!~') continue;
          try {
            compileLabelRegex(m.value);
          } catch (err) {
            throw promqlError(
              'parse',
              `invalid regular expression ${JSON.stringify(m.value)}: ${(err as Error).message}`,
              { query },
            );
          }
        }
        return;
      case 'matrix':
        check(e.vector);
        return;
      case 'subquery':
        check(e.expr);
        if (typeOf(e.expr) !== 'vector')
          fail(`subquery is only allowed on instant vector, got ${NAMES[typeOf(e.expr)]} instead`);
        return;
      case 'paren':
        check(e.expr);
        return;
      case 'unary': {
        check(e.expr);
        const t = typeOf(e.expr);
        if (t !== 'scalar' && t !== 'vector')
          fail(
            `unary expression only allowed on expressions of type scalar or instant vector, got ${NAMES[t]}`,
          );
        return;
      }
      case 'call': {
        const sig = SIGNATURES[e.func]!;
        const min = sig.args.length - (sig.optional ?? 0);
        if (e.args.length < min || (!sig.variadic && e.args.length > sig.args.length))
          fail(
            `expected ${min === sig.args.length ? min : `${min} to ${sig.args.length}`} argument(s) in call to "${e.func}", got ${e.args.length}`,
          );
        e.args.forEach((arg, i) => {
          expect(arg, sig.args[Math.min(i, sig.args.length - 1)]!, `call to function "${e.func}"`);
        });
        return;
      }
      case 'aggregate':
        if (e.param) expect(e.param, 'scalar', `aggregation parameter of ${e.op}`);
        expect(e.expr, 'vector', `aggregation expression of ${e.op}`);
        return;
      case 'binary': {
        check(e.lhs);
        check(e.rhs);
        const l = typeOf(e.lhs);
        const r = typeOf(e.rhs);
        for (const t of [l, r])
          if (t !== 'scalar' && t !== 'vector')
            fail(`binary expression must contain only scalar and instant vector types`);
        const setOp = e.op === 'and' || e.op === 'or' || e.op === 'unless';
        if (setOp && (l !== 'vector' || r !== 'vector'))
          fail(`set operator "${e.op}" not allowed in binary scalar expression`);
        const comparison = ['==', '!=', '<', '<=', '>', '>='].includes(e.op);
        if (comparison && l === 'scalar' && r === 'scalar' && !e.returnBool)
          fail('comparisons between scalars must use BOOL modifier');
        const modified = e.matching.on || e.matching.labels.length > 0 || e.matching.card !== 'one-to-one';
        if ((l === 'scalar' || r === 'scalar') && modified && !setOp)
          fail('vector matching only allowed between instant vectors');
        return;
      }
    }
  };
  check(expr);
}

/** The type an expression evaluates to (after {@link parsePromQL} accepted it). */
export function typeOf(expr: Expr): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
    case 'aggregate':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'call':
      return SIGNATURES[expr.func]!.returns;
    case 'unary':
    case 'paren':
      return typeOf(expr.expr);
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
  }
}
