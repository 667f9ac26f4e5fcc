/** Compares two Prometheus API answers: same status and result type, same series and times, values within 1e-9. */
import { expect } from 'vitest';
import type { ApiAnswer } from './real-prometheus.js';

type Labels = Record<string, string>;
type Point = [number, string];
interface Result {
  resultType: string;
  result: unknown;
}

const key = (labels: Labels) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function close(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12;
}

function samePoints(theirs: Point[], ours: Point[], where: string): void {
  expect(
    ours.map((p) => p[0]),
    `${where}: timestamps`,
  ).toEqual(theirs.map((p) => p[0]));
  theirs.forEach((p, i) => {
    expect(
      close(p[1], ours[i]![1]),
      `${where}: value at ${p[0]}: Prometheus ${p[1]}, lake ${ours[i]![1]}`,
    ).toBe(true);
  });
}

/**
 * Asserts the lake's answer equals Prometheus's.
 *
 * @example
 * ```ts
 * expectSameAnswer(theirs, ours, 'rate(x[5m])');
 * ```
 */
export function expectSameAnswer(theirs: ApiAnswer, ours: ApiAnswer, where: string): void {
  expect(ours.body.status, `${where}: status (${ours.body.error ?? ''} / ${theirs.body.error ?? ''})`).toBe(
    theirs.body.status,
  );
  if (theirs.body.status !== 'success') {
    expect(ours.body.errorType, `${where}: errorType`).toBe(theirs.body.errorType);
    return;
  }
  const t = theirs.body.data as Result;
  const o = ours.body.data as Result;
  expect(o.resultType, `${where}: resultType`).toBe(t.resultType);
  if (t.resultType === 'scalar' || t.resultType === 'string') {
    samePoints([t.result as Point], [o.result as Point], where);
    return;
  }
  type Row = { metric: Labels; value?: Point; values?: Point[] };
  const sort = (rows: Row[]) => [...rows].sort((a, b) => (key(a.metric) < key(b.metric) ? -1 : 1));
  const tr = sort(t.result as Row[]);
  const or = sort(o.result as Row[]);
  expect(
    or.map((r) => r.metric),
    `${where}: series`,
  ).toEqual(tr.map((r) => r.metric));
  tr.forEach((row, i) => {
    const mine = or[i]!;
    samePoints(row.values ?? [row.value!], mine.values ?? [mine.value!], `${where} ${key(row.metric)}`);
  });
}
