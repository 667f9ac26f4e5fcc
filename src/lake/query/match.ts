/**
 * Label matchers beyond equality (`!=`, `=~`, `!~`, and `=` with the empty value, which matches rows without
 * the column), as LogQL stream selectors use them. Rows are tested against them; segments are ruled out by
 * the index when no listed exact value, or no value with the stored trigrams, can match a positive matcher.
 */
import type { IndexedSegment } from '../catalog/day-index.js';
import { decodeTrigrams, regexTrigrams, trigramsMayMatch } from '../catalog/trigrams.js';
import { compileLabelRegex, isCaseInsensitive, regexBody } from '../logql/regex.js';
import { columnOf } from './plan.js';

/** One matcher: a column (or alias), an operator and a value (a regex for `=~`/`!~`, anchored at both ends). */
export interface LabelMatch {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface CompiledMatch {
  column: string;
  op: LabelMatch['op'];
  value: string;
  regex?: RegExp;
  /** OR of ANDs of trigrams a matching value contains (positive regexes only). */
  trigrams?: string[][] | null;
}

/**
 * Resolves aliases and compiles regexes (a leading `(?i)` makes one case-insensitive).
 *
 * @example
 * ```ts
 * const matches = compileMatches([{ name: 'service', op: '=~', value: 'api|web' }]);
 * ```
 */
export function compileMatches(matches: readonly LabelMatch[] | undefined): CompiledMatch[] {
  return (matches ?? []).map((m) => {
    const column = columnOf(m.name);
    if (m.op === '=' || m.op === '!=') return { column, op: m.op, value: m.value };
    const regex = compileLabelRegex(m.value);
    const trigrams = m.op === '=~' && !isCaseInsensitive(m.value) ? regexTrigrams(regexBody(m.value)) : null;
    return { column, op: m.op, value: m.value, regex, trigrams };
  });
}

function valueMatches(match: CompiledMatch, value: string): boolean {
  switch (match.op) {
    case '=':
      return value === match.value;
    case '!=':
      return value !== match.value;
    case '=~':
      return match.regex!.test(value);
    case '!~':
      return !match.regex!.test(value);
  }
}

/** Whether a row passes every matcher (a missing column reads as the empty value, as in Loki). */
export function rowMatches(
  row: Readonly<Record<string, unknown>>,
  matches: readonly CompiledMatch[],
): boolean {
  for (const match of matches) {
    const raw = row[match.column];
    if (!valueMatches(match, raw === null || raw === undefined ? '' : String(raw))) return false;
  }
  return true;
}

/** Whether the index allows a segment to hold a row passing every matcher. */
export function segmentMayMatchAll(segment: IndexedSegment, matches: readonly CompiledMatch[]): boolean {
  for (const match of matches) {
    if (valueMatches(match, '')) continue; // rows without the column match: nothing to prune on
    if (!segment.columns.includes(match.column)) return false;
    if (match.op !== '=' && match.op !== '=~') continue;
    const known = segment.exact[match.column];
    if (known) {
      if (!known.some((v) => valueMatches(match, v))) return false;
      continue;
    }
    const stored = segment.trigrams?.[match.column];
    if (match.op === '=~' && stored !== undefined && match.trigrams) {
      if (!trigramsMayMatch(decodeTrigrams(stored), match.trigrams)) return false;
    }
  }
  return true;
}
