/**
 * The best match at one target position: a RUN of the byte there, a COPY from a recent reference
 * address, from the reference positions holding the keys at and just after the position, or from
 * earlier in the window; each priced by the bytes it saves over adding them literally.
 */
import { COPY } from './code-table.js';
import { hash8, SOURCE_KEY, type SourceIndex, TARGET_KEY } from './hash-index.js';
import { integerSize } from './integer.js';
import type { MatchSettings, Op } from './match-finder.js';
import { Compared, type CopyHistory, RECENT } from './match-parts.js';
import type { TargetIndex } from './target-index.js';

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

/** The best match at one position; plain fields, reused, since this runs for every target byte. */
export class Best {
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

/** The match search over one window: the reference, its index, the target and the window's own index. */
export class Matcher {
  readonly best = new Best();
  /** Deep in a run of literals: probe only the key at the position itself (see `skipAfter` in match-finder.ts). */
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
