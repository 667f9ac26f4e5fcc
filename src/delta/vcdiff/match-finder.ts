/**
 * Turns one target window into a list of instructions: COPY from the reference or from earlier in the
 * window, RUN for repeated bytes, ADD for the rest. Greedy with one step of lazy evaluation (a match
 * is given up when the next position has a clearly better one), and every match is extended backward
 * over the pending literal bytes, so a hash key need only be found somewhere inside a match.
 */
import { ADD, COPY, RUN } from './code-table.js';
import { hash8, SOURCE_KEY, type SourceIndex, TARGET_KEY } from './hash-index.js';
import { integerSize } from './integer.js';
import { Compared, CopyHistory, RECENT, shiftIntoPrevious } from './match-parts.js';
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

/**
 * Offsets of the keys looked up from each position: keys further on find a match whose first key is
 * too common for its chain to reach the right candidate.
 */
const SOURCE_PROBES = [0, 4, 8, 16];
const TARGET_PROBES = [0, 4];
/** No further probe once the match found covers the probe's key by this much. */
const LONG_ENOUGH = 256;
/** Target chain entries with a different key tolerated before a chain is given up. */
const MAX_COLLISIONS = 1;
/**
 * Reference chain entries with a different key skipped before a chain is given up, when the index
 * shares head slots between keys (`sourceSpread`) so that its chains interleave a few keys.
 */
const SOURCE_COLLISIONS = 4;
/** A match this long is taken without looking further. */
const GOOD_ENOUGH = 4096;
/** Matches shorter than this are checked against a possibly better one at the next position. */
const LAZY_BELOW = 256;

/** The best match at one position; plain fields, reused, since this runs for every target byte. */
class Best {
  length = 0;
  address = 0;
  fromSource = false;
  isRun = false;
  /** Estimated bytes saved compared with adding the bytes literally; 0 = no match. */
  gain = 0;
  /**
   * At most 4 literal bytes wait before the position: a COPY there ends no long ADD early (or
   * shares its opcode with that short ADD), so it costs a byte less than one that cuts a long
   * literal run in two (one more ADD, with its size). Target copies of 5 bytes or more get the
   * same byte: their HERE distances are short, and taking them was smaller on every pair of the
   * npm corpus but one (`bench/delta-npm.ts`); 4-byte ones were not.
   */
  afterFewLiterals = false;

  clear(): void {
    this.length = 0;
    this.gain = 0;
  }

  consider(length: number, address: number, fromSource: boolean, isRun: boolean, cost: number): void {
    const bonus = (this.afterFewLiterals ? 1 : 0) + (!fromSource && !isRun && length >= 5 ? 1 : 0);
    const gain = length - cost - 2 + bonus;
    if (gain > this.gain) {
      this.length = length;
      this.address = address;
      this.fromSource = fromSource;
      this.isRun = isRun;
      this.gain = gain;
    }
  }
}

/** Source-key lookups remembered, by target position modulo this (covers every probe of p and p + 1). */
const MEMO = 64;

class Matcher {
  readonly best = new Best();
  /** Deep in a run of literals: probe only the key at the position itself (see `skipAfter`). */
  sparse = false;
  /**
   * The key at a target position is probed from up to four positions (skip 0, 4, 8, 16), and every
   * chain entry is a cache miss in an index of megabytes (and another in the reference to check the
   * key): the candidates of a key, the reference positions holding it, are collected once per target
   * position and reused by the other probes.
   */
  private readonly memoAt = new Float64Array(MEMO).fill(-1);
  private readonly memoCount = new Int32Array(MEMO);
  /** True when the chain ended before `sourceChain` candidates (every candidate is listed). */
  private readonly memoComplete = new Uint8Array(MEMO);
  private readonly memoList: Int32Array;
  private readonly recent: Float64Array;
  private readonly fromSource: Compared;
  private readonly fromTarget: Compared;

  constructor(
    readonly source: Uint8Array,
    readonly sourceIndex: SourceIndex,
    readonly target: Uint8Array,
    readonly targetIndex: TargetIndex,
    readonly start: number,
    readonly end: number,
    readonly settings: MatchSettings,
    readonly history: CopyHistory,
  ) {
    this.recent = history.recent;
    this.fromSource = new Compared(source, target);
    this.fromTarget = new Compared(target, target);
    this.memoList = new Int32Array(MEMO * settings.sourceChain);
  }

  /** Source copy address costs about its distance from the last copy (NEAR) or itself (SELF). */
  private sourceCost(a: number): number {
    const last = this.history.lastSourceEnd;
    const distance = last >= 0 ? Math.abs(a - last) : a;
    return Math.min(integerSize(a), integerSize(distance) + 1);
  }

  /**
   * True when the reference copy that just ended at `p` (one byte differs) goes on from `p + 1` at least
   * as far as a `length`-byte match at `p` does: one literal byte and that copy (a near address) cost less
   * than a copy from elsewhere (a far address, often in the target) and the same copy resumed after it.
   */
  resumesPast(p: number, length: number, ops: Op[]): boolean {
    const last = ops[ops.length - 1];
    if (last?.kind !== COPY || !last.fromSource || last.start + last.length !== p) return false;
    const a = last.address + last.length + 1;
    const max = Math.min(this.end - p - 1, this.source.length - a);
    return max >= length && this.fromSource.matchLength(a, p + 1, length) >= length;
  }

  /** Fills `out` with the best match at `p` (gain 0 when there is none worth a COPY or RUN). */
  find(p: number, out: Best): void {
    const { source, target, sourceIndex, targetIndex } = this;
    const max = this.end - p;
    out.clear();
    const byte = target[p] as number;
    if (max >= 4 && target[p + 1] === byte && target[p + 2] === byte && target[p + 3] === byte) {
      let run = 4;
      while (run < max && target[p + run] === byte) run++;
      out.consider(run, 0, false, true, integerSize(run) - 1);
    }
    for (let i = 0; i < RECENT; i++) {
      const a = (this.recent[i] as number) + p;
      if (a >= 0 && a < source.length && source[a] === byte) {
        out.consider(this.fromSource.matchLength(a, p, Math.min(max, source.length - a)), a, true, false, 1);
      }
    }
    const list = this.memoList;
    for (const skip of SOURCE_PROBES) {
      if (out.length >= skip + LONG_ENOUGH || max < skip + SOURCE_KEY || (skip > 0 && this.sparse)) break;
      const slot = this.sourceCandidates(p + skip);
      const count = this.memoCount[slot] as number;
      for (let i = slot * this.settings.sourceChain, n = 0; n < count; n++, i++) {
        const have = out.length;
        if (have >= GOOD_ENOUGH || have >= max) break;
        const a = (list[i] as number) - skip;
        if (a < 0 || source[a] !== byte || source[a + have] !== target[p + have]) continue;
        const limit = Math.min(max, source.length - a);
        if (limit > have)
          out.consider(this.fromSource.matchLength(a, p, limit), a, true, false, this.sourceCost(a));
      }
      // Every candidate of this key was seen: a further key cannot find a match starting at `p`.
      if (skip === 0 && this.memoComplete[slot] === 1 && sourceIndex.step === 1) break;
    }
    for (const skip of TARGET_PROBES) {
      if (out.length >= skip + LONG_ENOUGH || max < skip + TARGET_KEY || (skip > 0 && this.sparse)) break;
      let keyAt = targetIndex.first(p + skip);
      let collisions = 0;
      let n = 0;
      for (; keyAt >= 0 && n < this.settings.targetChain; n++, keyAt = targetIndex.next(keyAt)) {
        const q = keyAt - skip;
        const have = out.length;
        if (have >= GOOD_ENOUGH || have >= max) break;
        if (target[keyAt] !== target[p + skip] || target[keyAt + 3] !== target[p + skip + 3]) {
          if (++collisions >= MAX_COLLISIONS) break;
          continue;
        }
        if (q < this.start || q >= p || target[q] !== byte || target[q + have] !== target[p + have]) continue;
        out.consider(this.fromTarget.matchLength(q, p, max), q, false, false, integerSize(p - q));
      }
      if (skip === 0 && n < this.settings.targetChain) break;
    }
  }

  /**
   * Collects the reference positions holding the key at target position `x` (up to `sourceChain`,
   * skipping a few entries of other keys, walking at most twice that) into the memo; returns its slot.
   */
  private sourceCandidates(x: number): number {
    const slot = x % MEMO;
    if (this.memoAt[slot] === x) return slot;
    const { source, target, sourceIndex } = this;
    const chain = this.settings.sourceChain;
    const first = target[x] as number;
    const last = target[x + 7] as number;
    let count = 0;
    let steps = 0;
    const tolerated = sourceIndex.shared ? SOURCE_COLLISIONS : 0;
    let collisions = 0;
    const full = hash8(target, x, 32);
    // An untagged or shared table walks its chain; a tagged one's head tells a different key apart.
    let keyAt = sourceIndex.newestDiffers(full) ? -2 : sourceIndex.first(full >>> (32 - sourceIndex.bits));
    for (; keyAt >= 0 && steps < 2 * chain; keyAt = sourceIndex.next(keyAt), steps++) {
      if (source[keyAt] !== first || source[keyAt + 7] !== last) {
        if (++collisions > tolerated) break;
        continue;
      }
      this.memoList[slot * chain + count++] = keyAt;
      if (count === chain) break;
    }
    this.memoAt[slot] = x;
    this.memoCount[slot] = count;
    this.memoComplete[slot] = count < chain && keyAt === -1 ? 1 : 0;
    return slot;
  }
}

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
