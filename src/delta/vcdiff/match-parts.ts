/**
 * Pieces of the matcher (`match-finder.ts`) that keep state or tune a match: the recent copy offsets
 * carried between windows, byte comparison four bytes a step, and moving the boundary between two
 * adjacent copies to where their sizes cost least.
 */
import { COPY } from './code-table.js';
import { integerSize } from './integer.js';
import type { Op } from './match-finder.js';

/** How many recent source copy offsets are tried at every position. */
export const RECENT = 4;

/**
 * Where the last copies from the reference were, kept from one window to the next: a window
 * boundary falls in the middle of a long copy more often than not, and the next window finds its
 * continuation first among the recent offsets (instead of a shorter match elsewhere).
 */
export class CopyHistory {
  /** Reference position minus target position of the last few copies. */
  readonly recent = new Float64Array(RECENT).fill(Number.NaN);
  slot = 0;
  /** End of the last copy in the reference, or -1. */
  lastSourceEnd = -1;

  remember(address: number, p: number, length: number): void {
    this.lastSourceEnd = address + length;
    const shift = address - p;
    if (!this.recent.includes(shift)) {
      this.recent[this.slot] = shift;
      this.slot = (this.slot + 1) % RECENT;
    }
  }

  /** Re-bases the offsets on the next window, which starts `length` target bytes later. */
  moveOn(length: number): void {
    for (let i = 0; i < RECENT; i++) this.recent[i] = (this.recent[i] as number) + length;
  }
}

/** The two arrays of a comparison, and 32-bit views on them (4 bytes a step through long matches). */
export class Compared {
  readonly a: DataView;
  readonly b: DataView;
  constructor(
    readonly bytesA: Uint8Array,
    readonly bytesB: Uint8Array,
  ) {
    this.a = new DataView(bytesA.buffer, bytesA.byteOffset, bytesA.byteLength);
    this.b = new DataView(bytesB.buffer, bytesB.byteOffset, bytesB.byteLength);
  }

  /** How many bytes from `ai` and `bi` are equal, at most `max` (both ranges in bounds). */
  matchLength(ai: number, bi: number, max: number): number {
    const { a, b, bytesA, bytesB } = this;
    let n = 0;
    while (n + 4 <= max && a.getUint32(ai + n) === b.getUint32(bi + n)) n += 4;
    while (n < max && bytesA[ai + n] === bytesB[bi + n]) n++;
    return n;
  }
}

/** Bytes a COPY of `length` spends on its size beyond its opcode (the default table has 4..18). */
function sizeCost(length: number): number {
  return length >= 4 && length <= 18 ? 0 : integerSize(length);
}

/**
 * How many bytes to move from the end of the COPY `previous` to the start of the COPY that follows
 * it (at `p`, from `address` in `bytes`), where both hold them: the split where the two sizes cost
 * least (a size of 4..18 fits the opcode, a longer one is written after it). 0 when nothing is saved.
 */
export function shiftIntoPrevious(
  previous: Op | undefined,
  bytes: Uint8Array,
  address: number,
  target: Uint8Array,
  p: number,
  length: number,
  floor: number,
): number {
  if (previous?.kind !== COPY || previous.start + previous.length !== p) return 0;
  const room = Math.min(previous.length - 4, address - floor, MAX_SHIFT);
  let k = 0;
  while (k < room && bytes[address - k - 1] === target[p - k - 1]) k++;
  let best = 0;
  let bestCost = sizeCost(previous.length) + sizeCost(length);
  for (let i = 1; i <= k; i++) {
    const cost = sizeCost(previous.length - i) + sizeCost(length + i);
    if (cost < bestCost) {
      best = i;
      bestCost = cost;
    }
  }
  if (best > 0) previous.length -= best;
  return best;
}
const MAX_SHIFT = 16;
