/**
 * What of a log expression the lake itself evaluates: equality matchers become `where` (index exact values
 * and row-group statistics), other matchers `match` (index values and trigrams, then rows), the first
 * `|=` becomes `contains` and the first `|~` `regex`. The rest of the pipeline runs per line in JavaScript.
 */
import type { LabelMatch } from '../query/match.js';
import type { LogExpr, PipelineStage } from './ast.js';
import { compileLineRegex } from './regex.js';

export interface Pushdown {
  where: Record<string, string>;
  match: LabelMatch[];
  contains?: string;
  regex?: RegExp;
  /** Stages still to run on each line. */
  residual: PipelineStage[];
}

/**
 * Splits a log expression into the lake query and the residual pipeline.
 *
 * @example
 * ```ts
 * pushdown(parseLogQL('{service="api"} |= "x" != "y"') as LogExpr);
 * // { where: { service: 'api' }, match: [], contains: 'x', residual: [{ kind: 'line', op: '!=', value: 'y' }] }
 * ```
 */
export function pushdown(log: LogExpr): Pushdown {
  const where: Record<string, string> = {};
  const match: LabelMatch[] = [];
  for (const m of log.matchers) {
    if (m.op === '=' && m.value !== '' && !(m.name in where)) where[m.name] = m.value;
    else match.push({ name: m.name, op: m.op, value: translateForMatch(m.op, m.value) });
  }
  const out: Pushdown = { where, match, residual: [] };
  for (const stage of log.pipeline) {
    if (stage.kind === 'line' && stage.op === '|=' && out.contains === undefined) out.contains = stage.value;
    else if (stage.kind === 'line' && stage.op === '|~' && out.regex === undefined)
      out.regex = compileLineRegex(stage.value);
    else out.residual.push(stage);
  }
  return out;
}

/** The lake's matchers read JavaScript regexes with an optional leading `(?i)`: convert Go's named groups. */
function translateForMatch(op: string, value: string): string {
  return op === '=~' || op === '!~' ? value.replaceAll('(?P<', '(?<') : value;
}
