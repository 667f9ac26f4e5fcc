/**
 * Trigram fingerprints of indexed dimension values (LakeRunner's third index kind, anchor §3): when a
 * segment holds too many distinct values of a field to list them, the index keeps the set of their 3-character
 * substrings instead, so a regex matcher on that field can still rule the segment out. Stored per field as
 * one string: the sorted distinct trigrams concatenated (each exactly three code points), bounded by
 * `MAX_TRIGRAMS`; indexes written without them simply prune less.
 */

/** Fields whose values get trigrams when their exact values overflow (LakeRunner's trigram dimensions). */
export const TRIGRAM_FIELDS: readonly string[] = [
  'chq_telemetry_type',
  'resource_customer_domain',
  'resource_k8s_cluster_name',
  'resource_k8s_namespace_name',
  'resource_service_name',
  'span_trace_id',
];

/** Most distinct values whose trigrams a segment summary collects per field. */
export const MAX_TRIGRAM_VALUES = 8192;
/** Most trigrams stored per field and segment (≤ 12 KB of index text); more and the field is not kept. */
export const MAX_TRIGRAMS = 4096;

/** The 3-code-point substrings of a value. */
export function trigramsOf(value: string): string[] {
  const chars = Array.from(value);
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  return out;
}

/**
 * The stored trigram string of a set of values, or null when there are more than `MAX_TRIGRAMS`.
 *
 * @example
 * ```ts
 * encodeTrigrams(['abcd']); // 'abcbcd'
 * ```
 */
export function encodeTrigrams(values: Iterable<string>): string | null {
  const set = new Set<string>();
  for (const value of values) {
    for (const t of trigramsOf(value)) {
      set.add(t);
      if (set.size > MAX_TRIGRAMS) return null;
    }
  }
  return [...set].sort().join('');
}

/** The set of trigrams in a stored trigram string. */
export function decodeTrigrams(stored: string): Set<string> {
  const chars = Array.from(stored);
  const set = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 3) set.add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  return set;
}

/**
 * What a value matching `regexBody` must contain: any one of the returned lists, every trigram of it
 * (an OR of ANDs), or null when the regex needs no particular trigram. Conservative: groups, classes,
 * escapes such as `\d` and optional characters only end literal runs, so a match is never ruled out wrongly.
 *
 * @example
 * ```ts
 * regexTrigrams('api-.*|web'); // [['api', 'pi-'], ['web']]
 * ```
 */
export function regexTrigrams(regexBody: string): string[][] | null {
  const branches = splitTopLevel(Array.from(regexBody));
  const out: string[][] = [];
  for (const branch of branches) {
    const needed = [...new Set(literalRuns(branch).flatMap((run) => trigramsOf(run)))];
    if (needed.length === 0) return null;
    out.push(needed);
  }
  return out;
}

/**
 * The literal runs a match of `regexBody` contains: for one of the returned branches, every run of it
 * (an OR of ANDs), or null when some branch needs no literal (the same conservative reading as
 * `regexTrigrams`).
 *
 * @example
 * ```ts
 * regexLiterals('order ord-[0-9a-f]+ failed|refund'); // [['order ord-', ' failed'], ['refund']]
 * ```
 */
export function regexLiterals(regexBody: string): string[][] | null {
  const out: string[][] = [];
  for (const branch of splitTopLevel(Array.from(regexBody))) {
    const runs = literalRuns(branch);
    if (runs.length === 0) return null;
    out.push(runs);
  }
  return out;
}

/** Whether a segment's stored trigrams can hold a value the query needs. */
export function trigramsMayMatch(stored: Set<string>, query: readonly (readonly string[])[]): boolean {
  return query.some((all) => all.every((t) => stored.has(t)));
}

function splitTopLevel(chars: string[]): string[][] {
  const branches: string[][] = [[]];
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      branches.at(-1)!.push(c, chars[++i] ?? '');
      continue;
    }
    if (c === '[') {
      const end = classEnd(chars, i);
      branches.at(-1)!.push(...chars.slice(i, end));
      i = end - 1;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === '|' && depth === 0) branches.push([]);
    else branches.at(-1)!.push(c);
  }
  return branches;
}

/** Index just past the `]` closing the class opened at `start` (or the end). */
function classEnd(chars: string[], start: number): number {
  let i = start + 1;
  if (chars[i] === '^') i++;
  if (chars[i] === ']') i++;
  for (; i < chars.length; i++) {
    if (chars[i] === '\\') i++;
    else if (chars[i] === ']') return i + 1;
  }
  return chars.length;
}

function groupEnd(chars: string[], start: number): number {
  let depth = 0;
  for (let i = start; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(chars, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return chars.length;
}

/** The literal runs every match of one alternation-free branch contains. */
function literalRuns(chars: string[]): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  const cut = () => {
    if (run.length > 0) runs.push(run.join(''));
    run = [];
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const n = chars[++i] ?? '';
      if (/[a-zA-Z0-9]/.test(n)) cut();
      else run.push(n);
    } else if (c === '[') {
      i = classEnd(chars, i) - 1;
      cut();
    } else if (c === '(') {
      i = groupEnd(chars, i) - 1;
      cut();
    } else if (c === '*' || c === '?') {
      run.pop();
      cut();
      if (chars[i + 1] === '?' || chars[i + 1] === '+') i++;
    } else if (c === '+') {
      cut();
      if (chars[i + 1] === '?' || chars[i + 1] === '+') i++;
    } else if (c === '{') {
      const rest = chars.slice(i, i + 24).join('');
      const repeat = /^\{(\d+)(,\d*)?\}/.exec(rest);
      if (!repeat) run.push(c);
      else {
        if (Number(repeat[1]) === 0) run.pop();
        cut();
        i += Array.from(repeat[0]).length - 1;
      }
    } else if (c === '.' || c === '^' || c === '$' || c === '|' || c === ')') cut();
    else run.push(c);
  }
  cut();
  return runs;
}
