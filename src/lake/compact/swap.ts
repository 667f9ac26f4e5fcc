/**
 * The swap: one change of a day's index that publishes merged segments and retires what they replace.
 * It runs inside `updateDayIndex`'s compare-and-swap, so a query reading the index sees either every
 * input or their merged segment, never both and never neither. A group whose inputs another compaction
 * (or a sweep) took first is left out: its merged segment is never published.
 */
import { isLive } from './plan.js';
import type { SegmentIndex, SweptSegment } from './store.js';

/** A merged segment ready to publish, and the ids of the segments it replaces. */
export interface Replacement<S extends SweptSegment> {
  output: S;
  inputIds: readonly string[];
}

/** What a swap did to one index. */
export interface SwapOutcome<S extends SweptSegment, I extends SegmentIndex<S> = SegmentIndex<S>> {
  index: I;
  /** Replacements published. */
  applied: Replacement<S>[];
  /** Replacements dropped because an input is no longer live. */
  lost: Replacement<S>[];
}

/**
 * Applies replacements to an index (a copy the caller owns): inputs become unpublished and marked with
 * the time and their replacement, outputs are added as published compacted segments.
 *
 * @example
 * ```ts
 * const { index: next, applied } = swapSegments(index, [{ output, inputIds: ['1', '2'] }], new Date());
 * ```
 */
export function swapSegments<S extends SweptSegment, I extends SegmentIndex<S>>(
  index: I,
  replacements: readonly Replacement<S>[],
  now: Date,
): SwapOutcome<S, I> {
  const byId = new Map(index.segments.map((s) => [s.id, s]));
  const applied: Replacement<S>[] = [];
  const lost: Replacement<S>[] = [];
  for (const replacement of replacements) {
    const inputs = replacement.inputIds.map((id) => byId.get(id));
    const free = inputs.every((s) => s !== undefined && isLive(s));
    if (!free || byId.has(replacement.output.id)) {
      lost.push(replacement);
      continue;
    }
    for (const input of inputs as S[]) {
      input.published = false;
      input.compacted = true;
      input.replacedAt = now.toISOString();
      input.replacedBy = replacement.output.id;
    }
    index.segments.push(replacement.output);
    byId.set(replacement.output.id, replacement.output);
    applied.push(replacement);
  }
  return { index, applied, lost };
}
