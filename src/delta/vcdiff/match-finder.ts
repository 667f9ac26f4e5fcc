/**
 * Turns one target window into a list of instructions: COPY from the reference or from earlier in the
 * window, RUN for repeated bytes, ADD for the rest. Greedy with one step of lazy evaluation (a match
 * is given up when the next position has a clearly better one), and every match is extended backward
 * over the pending literal bytes, so a hash key need only be found somewhere inside a match.
 */
import { ADD, COPY, RUN } from './code-table.js';
import type { SourceIndex } from './hash-index.js';
import { CopyHistory, shiftIntoPrevious } from './match-parts.js';
import { Best, Matcher } from './match-search.js';
import type { TargetIndex } from './target-index.js';

export interface Op {
  kind: typeof ADD | typeof RUN | typeof COPY;
  /** Target offset where the instruction's bytes go. */
  start: number;
  length: number;
  /** COPY only: offset in the reference (`fromSource`) or in the target. */
  address: number;
  fromSource: boolean;
}

export interface MatchSettings {
  /** Reference candidates examined per key. */
  sourceChain: number;
  /** Earlier target positions examined per key. */
  targetChain: number;
  /** Every how many reference positions is indexed (more apart for references over 2^23 positions). */
  sourceStep: number;
  /** Reference entries per head slot of the index, on average (see `SourceIndex`). */
  sourceSpread: number;
  /**
   * Target positions inside a COPY or RUN are indexed only in its last this many bytes: the bytes
   * before are found where they were copied from.
   */
  indexTail: number;
}

/** Matches shorter than this are checked against a possibly better one at the next position. */
const LAZY_BELOW = 256;

/**
 * How far to move on after a position with no match, `literals` bytes into a run of them: one byte at
 * first, then 3, 5, 7, 9 as the run grows past 512, 1024, ... bytes (new or incompressible content,
 * where looking at every position costs several cache misses each and finds nothing). A match is
 * still found from any of its positions the search lands on and extended backward over the bytes
 * skipped; the steps are odd so the search keeps meeting both parities of the reference's every-2nd-
 * position index, and it only probes the key at the position itself (`Matcher.sparse`).
 */
function skipAfter(literals: number): number {
  return Math.min(MAX_SKIP, 1 + 2 * (literals >>> SKIP_SHIFT));
}
const SKIP_SHIFT = 9;
const MAX_SKIP = 9;

/**
 * Finds the instructions for `target[start, end)`.
 *
 * @example
 * ```ts
 * const index = new TargetIndex(target, 0, target.length);
 * const ops = findMatches(reference, new SourceIndex(reference), target, index, 0, target.length, settings);
 * ```
 */
export function findMatches(
  source: Uint8Array,
  sourceIndex: SourceIndex,
  target: Uint8Array,
  targetIndex: TargetIndex,
  start: number,
  end: number,
  settings: MatchSettings,
  history = new CopyHistory(),
): Op[] {
  const matcher = new Matcher(source, sourceIndex, target, targetIndex, start, end, settings, history);
  const match = new Best();
  const next = new Best();
  const ops: Op[] = [];
  let literalStart = start;
  let inserted = start;
  let p = start;
  while (p < end) {
    while (inserted < p) targetIndex.insert(inserted++);
    matcher.sparse = p - literalStart >= 1 << SKIP_SHIFT;
    match.afterFewLiterals = p - literalStart <= 4;
    next.afterFewLiterals = p + 1 - literalStart <= 4;
    matcher.find(p, match);
    if (match.gain === 0) {
      const step = skipAfter(p - literalStart);
      if (step === 1) {
        p++;
      } else {
        // The positions stepped over are still looked up in the window's own index.
        targetIndex.insert(p);
        p = targetIndex.insertUntilKnown(p + 1, p + step);
        inserted = p;
      }
      continue;
    }
    if (match.length >= LAZY_BELOW && p === literalStart && matcher.resumesPast(p, match.length, ops)) {
      p++;
      continue;
    }
    if (match.length < LAZY_BELOW && p + 1 < end) {
      targetIndex.insert(inserted++);
      matcher.find(p + 1, next);
      if (next.gain > match.gain + 1) {
        p++;
        continue;
      }
    }
    let { address, length } = match;
    if (!match.isRun) {
      const bytes = match.fromSource ? source : target;
      const floor = match.fromSource ? 0 : start;
      while (p > literalStart && address > floor && bytes[address - 1] === target[p - 1]) {
        p--;
        address--;
        length++;
      }
    }
    if (p > literalStart) {
      ops.push({ kind: ADD, start: literalStart, length: p - literalStart, address: 0, fromSource: false });
    } else if (!match.isRun) {
      const shift = shiftIntoPrevious(
        ops[ops.length - 1],
        match.fromSource ? source : target,
        address,
        target,
        p,
        length,
        match.fromSource ? 0 : start,
      );
      p -= shift;
      address -= shift;
      length += shift;
    }
    ops.push({ kind: match.isRun ? RUN : COPY, start: p, length, address, fromSource: match.fromSource });
    if (match.fromSource) history.remember(address, p, length);
    p += length;
    literalStart = p;
    inserted = Math.max(inserted, p - settings.indexTail);
  }
  if (end > literalStart) {
    ops.push({ kind: ADD, start: literalStart, length: end - literalStart, address: 0, fromSource: false });
  }
  return ops;
}
