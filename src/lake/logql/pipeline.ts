/**
 * The per-line part of a log query that runs in JavaScript: line filters not pushed to the lake, `| json`
 * and `| logfmt` label extraction, and label filters. Follows Loki: extracted names are sanitised, a name
 * that is already a label gets `_extracted`, a line that does not parse gets `__error__`.
 */
import type { PipelineStage } from './ast.js';
import { parseDurationMs } from './duration.js';
import { type Labels, labelValue } from './labels.js';
import { parseLogfmt } from './logfmt.js';
import { compileLabelRegex, compileLineRegex } from './regex.js';

/** Runs a line through the stages: the labels it ends with (changed in place), or null when it is dropped. */
export type LinePipeline = (line: string, labels: Labels) => Labels | null;

/**
 * Compiles stages into one function.
 *
 * @example
 * ```ts
 * const run = compilePipeline(parseLogQL('{a="b"} | json | status >= 500').pipeline);
 * run('{"status":503}', { a: 'b' }); // { a: 'b', status: '503' }
 * ```
 */
export function compilePipeline(stages: readonly PipelineStage[]): LinePipeline {
  const steps = stages.map(compileStage);
  return (line, labels) => {
    for (const step of steps) if (!step(line, labels)) return null;
    return labels;
  };
}

type Step = (line: string, labels: Labels) => boolean;

function compileStage(stage: PipelineStage): Step {
  if (stage.kind === 'line') {
    const { op, value } = stage;
    if (op === '|=') return (line) => line.includes(value);
    if (op === '!=') return (line) => !line.includes(value);
    const regex = compileLineRegex(value);
    return op === '|~' ? (line) => regex.test(line) : (line) => !regex.test(line);
  }
  if (stage.kind === 'parser') {
    const parse = stage.parser === 'json' ? jsonFields : parseLogfmt;
    const error = stage.parser === 'json' ? 'JSONParserErr' : 'LogfmtParserErr';
    return (line, labels) => {
      const fields = parse(line);
      if (fields === null) labels.__error__ = error;
      else for (const [name, value] of fields) labels[name in labels ? `${name}_extracted` : name] = value;
      return true;
    };
  }
  if ('value' in stage) {
    const { name, op, value } = stage;
    const regex = op === '=~' || op === '!~' ? compileLabelRegex(value) : undefined;
    return (_line, labels) => {
      const actual = labelValue(labels, name) ?? '';
      if (op === '=') return actual === value;
      if (op === '!=') return actual !== value;
      return regex!.test(actual) === (op === '=~');
    };
  }
  const { name, op, number, unit } = stage;
  return (_line, labels) => {
    const text = labelValue(labels, name);
    const actual = text === undefined ? Number.NaN : unit === 'ms' ? durationOrNaN(text) : Number(text);
    if (Number.isNaN(actual) || text === '') {
      labels.__error__ = 'LabelFilterErr';
      return true;
    }
    switch (op) {
      case '==':
        return actual === number;
      case '!=':
        return actual !== number;
      case '>':
        return actual > number;
      case '>=':
        return actual >= number;
      case '<':
        return actual < number;
      case '<=':
        return actual <= number;
    }
  };
}

function durationOrNaN(text: string): number {
  try {
    return parseDurationMs(text);
  } catch {
    return Number.NaN;
  }
}

/** Loki's label-name sanitising: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitiseLabel(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

/** A JSON object line's leaves as `parent_child` labels (arrays skipped), or null when it is not an object. */
function jsonFields(line: string): [string, string][] | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: [string, string][] = [];
  const walk = (object: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, child] of Object.entries(object)) {
      const name = prefix + sanitiseLabel(key);
      if (child === null || Array.isArray(child)) continue;
      if (typeof child === 'object') {
        if (depth < 32) walk(child as Record<string, unknown>, `${name}_`, depth + 1);
      } else out.push([name, String(child)]);
    }
  };
  walk(value as Record<string, unknown>, '', 0);
  return out;
}
