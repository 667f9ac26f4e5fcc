/**
 * Datapoints that say who they are: datapoint `n`'s body is a function of `n` alone (some small,
 * some over 16 KiB, so archives of both kinds of file-port object occur), so a reader checks each
 * one it gets without knowing who wrote it.
 */
import type { DatapointInput } from '../../../src/datasets/index.js';
import { pseudoRandomBytes } from '../../../src/testing/random-bytes.js';

/** The body size of datapoint `n`. */
function sizeOf(n: number): number {
  return n % 7 === 0 ? 20_000 + (n % 13) * 1000 : 40 + (n % 11) * 90;
}

/** Datapoint `n` as uploaded. */
export function datapoint(n: number): DatapointInput {
  const body = pseudoRandomBytes(sizeOf(n), n + 1);
  body.set(new TextEncoder().encode(`#${n}#`));
  return { n, ext: 'bin', body };
}

/** Whether `body` is exactly datapoint `n`'s. */
export function isDatapoint(n: number, body: Uint8Array): boolean {
  const want = datapoint(n).body as Uint8Array;
  return body.length === want.length && Buffer.compare(Buffer.from(body), Buffer.from(want)) === 0;
}

/** The datapoints of writer `id`'s `j`-th upload in the CAS histories (distinct for every writer and upload). */
export function pointsOf(id: number, j: number): number[] {
  const first = id * 10_000 + j * 3 + 1;
  return [first, first + 1, first + 2];
}
