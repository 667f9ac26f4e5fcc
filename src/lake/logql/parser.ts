/**
 * A recursive-descent parser for the LogQL subset bucketkit evaluates. Anything outside the subset is refused
 * with an `InvalidArgument` naming its position and what is supported, never silently ignored.
 */
import type {
  Grouping,
  LabelFilterStage,
  LabelMatcher,
  LogExpr,
  LogQLExpr,
  MetricExpr,
  PipelineStage,
  RangeFunction,
  VectorOperator,
} from './ast.js';
import { parseDurationMs } from './duration.js';
import { syntaxError } from './errors.js';
import { lex, type Token } from './lexer.js';
import { compileLabelRegex, compileLineRegex } from './regex.js';

const RANGE_FUNCTIONS: readonly RangeFunction[] = [
  'count_over_time',
  'rate',
  'bytes_over_time',
  'bytes_rate',
];
const VECTOR_OPERATORS: readonly VectorOperator[] = ['sum', 'count', 'avg', 'min', 'max', 'topk', 'bottomk'];
/** Known LogQL words outside the subset: named in the refusal so the user knows it is a limit, not a typo. */
const UNSUPPORTED_FUNCTIONS = new Set([
  'sum_over_time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'first_over_time',
  'last_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'absent_over_time',
  'rate_counter',
  'stddev',
  'stdvar',
  'sort',
  'sort_desc',
  'label_replace',
  'vector',
  'approx_topk',
]);
const UNSUPPORTED_STAGES = new Set([
  'regexp',
  'pattern',
  'unpack',
  'line_format',
  'label_format',
  'unwrap',
  'keep',
  'drop',
  'decolorize',
  'distinct',
]);
const SUPPORTED =
  'supported: stream selectors, |= != |~ !~, | json, | logfmt, | label filters, ' +
  'count_over_time, rate, bytes_over_time, bytes_rate, sum/count/avg/min/max/topk/bottomk by|without';

/**
 * Parses a LogQL query of the supported subset.
 *
 * @example
 * ```ts
 * const expr = parseLogQL('sum by (level) (count_over_time({service="api"} |= "timeout" [5m]))');
 * expr.kind; // 'vector'
 * ```
 */
export function parseLogQL(query: string): LogQLExpr {
  if (query.length > 64 * 1024) throw syntaxError(query, 0, 'query longer than 64 KiB');
  return new Parser(query).parseQuery();
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;
  private depth = 0;

  constructor(private readonly query: string) {
    this.tokens = lex(query);
  }

  parseQuery(): LogQLExpr {
    const expr = this.peek().text === '{' ? this.logExpr() : this.metricExpr();
    const next = this.peek();
    if (expr.kind !== 'log' && next.kind === 'op') this.fail(next, 'binary operations are not supported');
    if (next.kind !== 'eof') this.unexpected(next, 'end of query');
    return expr;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.at++;
    return token;
  }

  private fail(token: Token, what: string): never {
    throw syntaxError(this.query, token.pos, what);
  }

  private unexpected(token: Token, expected: string): never {
    const seen = token.kind === 'eof' ? 'end of query' : JSON.stringify(token.text);
    this.fail(token, `unexpected ${seen}, expected ${expected}`);
  }

  private expect(text: string): Token {
    const token = this.next();
    if (token.text !== text || token.kind === 'string') this.unexpected(token, JSON.stringify(text));
    return token;
  }

  private string(what: string): Token {
    const token = this.next();
    if (token.kind !== 'string') this.unexpected(token, what);
    return token;
  }

  private logExpr(): LogExpr {
    this.expect('{');
    const matchers: LabelMatcher[] = [];
    while (this.peek().text !== '}' || this.peek().kind === 'string') {
      if (matchers.length > 0) this.expect(',');
      matchers.push(this.matcher());
    }
    const close = this.expect('}');
    if (
      !matchers.some(
        (m) => (m.op === '=' && m.value !== '') || (m.op === '=~' && !compileLabelRegex(m.value).test('')),
      )
    )
      this.fail(
        close,
        'queries need at least one matcher that does not match the empty value (e.g. {service="api"})',
      );
    return { kind: 'log', matchers, pipeline: this.pipeline() };
  }

  private matcher(): LabelMatcher {
    const name = this.next();
    if (name.kind !== 'ident') this.unexpected(name, 'a label name');
    const op = this.next();
    if (op.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text))
      this.unexpected(op, '=, !=, =~ or !~');
    const value = this.string('a quoted label value');
    if (op.text === '=~' || op.text === '!~') this.checkRegex(value, compileLabelRegex);
    return { name: name.text, op: op.text as LabelMatcher['op'], value: value.text };
  }

  private checkRegex(token: Token, compile: (source: string) => RegExp): void {
    try {
      compile(token.text);
    } catch (err) {
      this.fail(token, (err as Error).message.replace(/^InvalidArgument: /, ''));
    }
  }

  private pipeline(): PipelineStage[] {
    const stages: PipelineStage[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op') return stages;
      if (['|=', '!=', '|~', '!~'].includes(token.text)) {
        this.next();
        const value = this.string('a quoted filter text');
        if (token.text === '|~' || token.text === '!~') this.checkRegex(value, compileLineRegex);
        if (this.peek().text === 'or')
          this.fail(this.peek(), `"or" in line filters is not supported (${SUPPORTED})`);
        stages.push({ kind: 'line', op: token.text as '|=', value: value.text });
      } else if (token.text === '|') {
        this.next();
        stages.push(this.pipeStage());
      } else return stages;
    }
  }

  private pipeStage(): PipelineStage {
    const word = this.next();
    if (word.kind !== 'ident') this.unexpected(word, 'json, logfmt or a label filter');
    const after = this.peek();
    const filterOps = ['=', '=~', '==', '>', '>=', '<', '<='];
    if (
      (word.text === 'json' || word.text === 'logfmt') &&
      !(after.kind === 'op' && filterOps.includes(after.text))
    ) {
      if (after.kind === 'ident' || after.kind === 'string' || after.text === '-')
        this.fail(after, `${word.text} with parameters is not supported; use | ${word.text} alone`);
      return { kind: 'parser', parser: word.text };
    }
    if (UNSUPPORTED_STAGES.has(word.text) && after.kind !== 'op')
      this.fail(word, `| ${word.text} is not supported (${SUPPORTED})`);
    const filter = this.labelFilter(word);
    const more = this.peek();
    if (more.kind === 'ident' && (more.text === 'and' || more.text === 'or'))
      this.fail(more, `"${more.text}" between label filters is not supported; chain them as | a="x" | b="y"`);
    if (more.text === ',')
      this.fail(more, 'comma-separated label filters are not supported; chain them as | a="x" | b="y"');
    return filter;
  }

  private labelFilter(name: Token): LabelFilterStage {
    const op = this.next();
    if (op.kind !== 'op' || !['=', '!=', '=~', '!~', '==', '>', '>=', '<', '<='].includes(op.text))
      this.unexpected(op, 'a label filter operator (= != =~ !~ == > >= < <=)');
    const value = this.next();
    if (value.kind === 'string' && ['=', '!=', '=~', '!~'].includes(op.text)) {
      if (op.text === '=~' || op.text === '!~') this.checkRegex(value, compileLabelRegex);
      return { kind: 'label', name: name.text, op: op.text as '=', value: value.text };
    }
    if (value.kind === 'number' && op.text !== '=~' && op.text !== '!~' && op.text !== '=') {
      return {
        kind: 'label',
        name: name.text,
        op: op.text as '==',
        number: Number(value.text),
        unit: 'none',
      };
    }
    if (value.kind === 'duration' && op.text !== '=~' && op.text !== '!~' && op.text !== '=') {
      return {
        kind: 'label',
        name: name.text,
        op: op.text as '==',
        number: parseDurationMs(value.text),
        unit: 'ms',
      };
    }
    this.unexpected(
      value,
      op.text.includes('~') || op.text === '=' ? 'a quoted value' : 'a number or duration',
    );
  }

  private metricExpr(): MetricExpr {
    if (++this.depth > 64) this.fail(this.peek(), 'expression nested deeper than 64');
    try {
      const word = this.peek();
      if (word.text === '(' && word.kind === 'punct') {
        this.next();
        const inner = this.metricExpr();
        this.expect(')');
        return inner;
      }
      if (word.kind !== 'ident')
        this.unexpected(word, 'a stream selector {…}, a range function or an aggregation');
      if ((RANGE_FUNCTIONS as readonly string[]).includes(word.text)) return this.rangeAggregation();
      if ((VECTOR_OPERATORS as readonly string[]).includes(word.text)) return this.vectorAggregation();
      if (UNSUPPORTED_FUNCTIONS.has(word.text))
        this.fail(word, `${word.text} is not supported (${SUPPORTED})`);
      this.fail(word, `unknown function ${JSON.stringify(word.text)} (${SUPPORTED})`);
    } finally {
      this.depth--;
    }
  }

  private rangeAggregation(): MetricExpr {
    const fn = this.next().text as RangeFunction;
    this.expect('(');
    const wrapped = this.peek().text === '(' && this.peek().kind === 'punct';
    if (wrapped) this.next();
    const log = this.logExpr();
    if (wrapped) this.expect(')');
    this.expect('[');
    const duration = this.next();
    if (duration.kind !== 'duration') this.unexpected(duration, 'a range such as 5m');
    const rangeMs = parseDurationMs(duration.text);
    if (!Number.isInteger(rangeMs) || rangeMs < 1)
      this.fail(duration, 'a range must be a whole number of milliseconds ≥ 1ms');
    this.expect(']');
    const after = this.peek();
    if (after.kind === 'ident' && after.text === 'offset') this.fail(after, 'offset is not supported');
    if (after.text === '|') this.fail(after, 'unwrap and stages after the range are not supported');
    if (after.kind === 'punct' && after.text === ',') this.fail(after, `${fn} takes one argument`);
    this.expect(')');
    return { kind: 'range', fn, log, rangeMs };
  }

  private vectorAggregation(): MetricExpr {
    const opToken = this.next();
    const op = opToken.text as VectorOperator;
    let grouping = this.grouping();
    this.expect('(');
    let param: number | undefined;
    if (op === 'topk' || op === 'bottomk') {
      const k = this.next();
      if (k.kind !== 'number' || !Number.isInteger(Number(k.text)) || Number(k.text) < 1)
        this.unexpected(k, `a whole number k ≥ 1 (${op}(k, expr))`);
      param = Number(k.text);
      this.expect(',');
    }
    if (this.peek().text === '{' && this.peek().kind === 'punct')
      this.fail(
        this.peek(),
        `${op} aggregates samples; wrap the log query in a range function such as count_over_time({…}[5m])`,
      );
    const inner = this.metricExpr();
    this.expect(')');
    const after = this.grouping();
    if (after && grouping) this.fail(this.tokens[this.at - 1]!, 'grouping given twice');
    grouping ??= after;
    const binary = this.peek();
    if (binary.kind === 'op' || ['+', '-', '*', '/', '%', '^'].includes(binary.text))
      this.fail(binary, 'binary operations are not supported');
    return {
      kind: 'vector',
      op,
      ...(grouping ? { grouping } : {}),
      ...(param !== undefined ? { param } : {}),
      inner,
    };
  }

  private grouping(): Grouping | undefined {
    const word = this.peek();
    if (word.kind !== 'ident' || (word.text !== 'by' && word.text !== 'without')) return undefined;
    this.next();
    this.expect('(');
    const labels: string[] = [];
    while (!(this.peek().text === ')' && this.peek().kind === 'punct')) {
      if (labels.length > 0) this.expect(',');
      const label = this.next();
      if (label.kind !== 'ident') this.unexpected(label, 'a label name');
      labels.push(label.text);
    }
    this.expect(')');
    return { mode: word.text, labels };
  }
}
