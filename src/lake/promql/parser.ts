/**
 * A recursive-descent parser for the PromQL subset (see README "PromQL"): selectors with the four
 * matchers, `offset`/`@`, range selectors, subqueries, functions of `signatures.ts`, aggregations with `by`/`without`,
 * and binary operators with Prometheus's precedence, `bool`, `on`/`ignoring`, `group_left/right`.
 * It checks types as Prometheus does, so a wrong query fails before any data is read.
 */
import type {
  AggregateOp,
  BinaryOp,
  Expr,
  Matcher,
  MatchOp,
  Subquery,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { durationMs } from './duration.js';
import { AGGREGATES, COMPARISONS, MAX_DEPTH, MAX_OPERATORS, PRECEDENCE, WITH_PARAM } from './grammar.js';
import { lexPromQL, type Token } from './lexer.js';
import { SIGNATURES } from './signatures.js';
import { describe, matchesEmpty, numberOf, TokenStream } from './token-stream.js';
import { checkTypes, typeOf } from './typecheck.js';

export { typeOf };

/**
 * Parses a PromQL expression; a syntax or type error is `InvalidArgument` with `details.promql`.
 *
 * @example
 * ```ts
 * const expr = parsePromQL('sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))');
 * ```
 */
export function parsePromQL(query: string): Expr {
  const parser = new Parser(query, lexPromQL(query));
  const expr = parser.expr(0);
  parser.expectEnd();
  checkTypes(query, expr);
  return expr;
}

class Parser extends TokenStream {
  private depth = 0;
  private operators = 0;

  private binaryOp(): string | undefined {
    const t = this.peek;
    if (t.kind === 'op' && PRECEDENCE[t.text] !== undefined) return t.text;
    if (t.kind === 'ident' && (t.text === 'and' || t.text === 'or' || t.text === 'unless')) return t.text;
    return undefined;
  }

  expr(minPrecedence: number): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek, 'the expression is nested too deeply');
    let lhs = this.unary();
    for (;;) {
      const op = this.binaryOp();
      if (op === undefined) break;
      const precedence = PRECEDENCE[op]!;
      if (precedence < minPrecedence) break;
      const opToken = this.next();
      const returnBool = this.peek.kind === 'ident' && this.peek.text === 'bool';
      if (returnBool) this.next();
      if (returnBool && !COMPARISONS.has(op))
        this.fail(opToken, 'bool modifier can only be used on comparison operators');
      const matching = this.matching(op);
      // ^ is right-associative, every other operator left-associative
      const rhs = this.expr(op === '^' ? precedence : precedence + 1);
      lhs = { kind: 'binary', op: op as BinaryOp, lhs, rhs, returnBool, matching };
      // a long chain makes a deep tree too: bound it so checking and evaluation cannot overflow the stack
      if (++this.operators > MAX_OPERATORS) this.fail(opToken, `more than ${MAX_OPERATORS} binary operators`);
    }
    this.depth--;
    return lhs;
  }

  private matching(op: string): VectorMatching {
    const setOp = op === 'and' || op === 'or' || op === 'unless';
    const matching: VectorMatching = {
      on: false,
      labels: [],
      card: setOp ? 'many-to-many' : 'one-to-one',
      include: [],
    };
    const t = this.peek;
    if (t.kind !== 'ident' || (t.text !== 'on' && t.text !== 'ignoring')) return matching;
    this.next();
    matching.on = t.text === 'on';
    matching.labels = this.labelList();
    const g = this.peek;
    if (g.kind === 'ident' && (g.text === 'group_left' || g.text === 'group_right')) {
      if (setOp) this.fail(g, `no grouping allowed for "${op}" operation`);
      this.next();
      matching.card = g.text === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (this.is('(')) matching.include = this.labelList();
    }
    return matching;
  }

  private labelList(): string[] {
    this.expect('(', 'in grouping');
    const labels: string[] = [];
    while (!this.is(')')) {
      const t = this.next();
      if (t.kind !== 'ident' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(t.text))
        this.fail(t, `unexpected ${describe(t)} in grouping opts, expected label`);
      labels.push(t.text);
      if (!this.is(')')) this.expect(',', 'in grouping opts');
    }
    this.next();
    return labels;
  }

  private unary(): Expr {
    const t = this.peek;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      if (++this.depth > MAX_DEPTH) this.fail(t, 'the expression is nested too deeply');
      this.next();
      // unary minus binds looser than ^: -2^2 is -4
      const operand = this.unaryOperand();
      this.depth--;
      if (operand.kind === 'number')
        return { kind: 'number', value: t.text === '-' ? -operand.value : operand.value };
      return { kind: 'unary', op: t.text, expr: operand };
    }
    return this.postfix(this.primary());
  }

  private unaryOperand(): Expr {
    let lhs = this.unary();
    while (this.binaryOp() === '^') {
      this.next();
      const matching = this.matching('^');
      const rhs = this.expr(PRECEDENCE['^']!);
      lhs = { kind: 'binary', op: '^', lhs, rhs, returnBool: false, matching };
    }
    return lhs;
  }

  private postfix(expr: Expr): Expr {
    let out = expr;
    for (;;) {
      const t = this.peek;
      if (this.is('[')) {
        this.next();
        const range = this.duration('range');
        if (this.is(':')) {
          this.next();
          // no step, or a zero one, is the default step (as Prometheus's grammar reads it)
          const stepMs = this.peek.kind === 'duration' ? this.duration('subquery step') : undefined;
          this.expect(']', 'in subquery');
          out = { kind: 'subquery', expr: out, rangeMs: range, offsetMs: 0, ...(stepMs ? { stepMs } : {}) };
          continue;
        }
        this.expect(']', 'in range selector');
        if (out.kind !== 'vector' || out.offsetMs !== 0 || out.at !== undefined)
          this.fail(t, 'ranges only allowed for vector selectors');
        out = { kind: 'matrix', vector: out, rangeMs: range };
      } else if (t.kind === 'ident' && t.text === 'offset') {
        this.next();
        const negative = this.is('-');
        if (negative) this.next();
        const ms = this.duration('offset');
        selectorOf(out, () =>
          this.fail(
            t,
            'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
          ),
        ).offsetMs = negative ? -ms : ms;
      } else if (this.is('@')) {
        this.next();
        const target = selectorOf(out, () =>
          this.fail(
            t,
            '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
          ),
        );
        const v = this.peek;
        if (v.kind === 'ident' && (v.text === 'start' || v.text === 'end')) {
          this.next();
          this.expect('(', 'after @');
          this.expect(')', 'after @');
          target.at = v.text;
        } else {
          const negative = this.is('-');
          if (negative) this.next();
          const n = this.next();
          if (n.kind !== 'number') this.fail(n, `unexpected ${describe(n)} after @, expected a timestamp`);
          target.at = Math.round(Number(n.text) * 1000) * (negative ? -1 : 1);
        }
      } else return out;
    }
  }

  private duration(what: string): number {
    const t = this.next();
    const ms = t.kind === 'duration' ? durationMs(t.text) : undefined;
    if (ms === undefined)
      this.fail(t, `unexpected ${describe(t)} in ${what}, expected a duration such as 5m`);
    if (what === 'range' && ms <= 0) this.fail(t, 'range must be positive');
    return ms;
  }

  private primary(): Expr {
    const t = this.peek;
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: numberOf(t.text) };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', value: t.text };
    }
    if (this.is('(')) {
      this.next();
      const expr = this.expr(0);
      this.expect(')', 'in parenthesised expression');
      return { kind: 'paren', expr };
    }
    if (this.is('{')) return this.selector(undefined, t);
    if (t.kind !== 'ident') this.fail(t, `unexpected ${describe(t)}`);
    this.next();
    if (/^(inf|nan)$/i.test(t.text)) return { kind: 'number', value: numberOf(t.text) };
    const after = this.peek;
    if (
      AGGREGATES.has(t.text) &&
      (this.is('(') || (after.kind === 'ident' && (after.text === 'by' || after.text === 'without')))
    )
      return this.aggregate(t);
    if (this.is('(')) return this.call(t);
    return this.selector(t.text, t);
  }

  private call(name: Token): Expr {
    if (SIGNATURES[name.text] === undefined) this.fail(name, `unknown function with name "${name.text}"`);
    this.next();
    const args: Expr[] = [];
    while (!this.is(')')) {
      args.push(this.expr(0));
      if (!this.is(')')) this.expect(',', 'in function call');
    }
    this.next();
    return { kind: 'call', func: name.text, args };
  }

  private aggregate(name: Token): Expr {
    const op = name.text as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let grouped = false;
    const modifier = () => {
      const m = this.peek;
      if (m.kind === 'ident' && (m.text === 'by' || m.text === 'without')) {
        if (grouped) this.fail(m, 'aggregation has two grouping clauses');
        this.next();
        without = m.text === 'without';
        grouping = this.labelList();
        grouped = true;
      }
    };
    modifier();
    this.expect('(', `in aggregation ${op}`);
    let param: Expr | undefined;
    if (WITH_PARAM.has(op)) {
      param = this.expr(0);
      this.expect(',', `in aggregation ${op}, which takes a parameter`);
    }
    const expr = this.expr(0);
    this.expect(')', `in aggregation ${op}`);
    modifier();
    return { kind: 'aggregate', op, param, expr, grouping, without };
  }

  private selector(name: string | undefined, start: Token): VectorSelector {
    const matchers: Matcher[] = name === undefined ? [] : [{ name: '__name__', op: '=', value: name }];
    if (this.is('{')) {
      this.next();
      while (!this.is('}')) {
        const label = this.next();
        if (label.kind !== 'ident' || label.text.includes(':'))
          this.fail(label, `unexpected ${describe(label)} in label matching, expected label`);
        const op = this.next();
        if (op.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text))
          this.fail(op, `unexpected ${describe(op)} in label matching, expected label matching operator`);
        const value = this.next();
        if (value.kind !== 'string')
          this.fail(value, `unexpected ${describe(value)} in label matching, expected string`);
        if (label.text === '__name__' && name !== undefined)
          this.fail(label, `metric name must not be set twice: "${name}"`);
        matchers.push({ name: label.text, op: op.text as MatchOp, value: value.text });
        if (!this.is('}')) this.expect(',', 'in label matching');
      }
      this.next();
    }
    if (!matchers.some((m) => !matchesEmpty(m)))
      this.fail(start, 'vector selector must contain at least one non-empty matcher');
    return { kind: 'vector', matchers, offsetMs: 0 };
  }
}

/** What `offset` and `@` apply to: a selector, or a subquery. */
function selectorOf(expr: Expr, fail: () => never): VectorSelector | Subquery {
  if (expr.kind === 'vector' || expr.kind === 'subquery') return expr;
  if (expr.kind === 'matrix') return expr.vector;
  return fail();
}
