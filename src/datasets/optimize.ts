/**
 * The optimizer: picks runs of adjacent small dataranges to aggregate, by size tiers, so that many
 * small objects become fewer larger ones (fewer index loads, fewer requests per range read).
 */
import { bkError } from '../errors.js';
import { type AggregateOptions, type AggregateResult, aggregate } from './aggregate.js';
import type { Dataset } from './datasets.js';
import type { Datarange, Manifest } from './manifest.js';

/** A size tier: dataranges each smaller than `below` bytes are merged into runs of at most `target`. */
export interface SizeTier {
  name: string;
  below: number;
  target: number;
}

const MIB = 1024 * 1024;

/**
 * The default tiers, tried in this order (as datas3t's planner, minus its datapoint-count rule):
 * `small` (< 10 MiB each, merged up to 100 MiB), `medium` (< 100 MiB, up to 1 GiB), `large`
 * (< 1 GiB, up to 5 GiB). A datarange is used by at most one operation per plan.
 */
export const DEFAULT_TIERS: readonly SizeTier[] = [
  { name: 'small', below: 10 * MIB, target: 100 * MIB },
  { name: 'medium', below: 100 * MIB, target: 1024 * MIB },
  { name: 'large', below: 1024 * MIB, target: 5 * 1024 * MIB },
];

/** One planned aggregation. */
export interface PlannedAggregate {
  tier: string;
  first: bigint;
  last: bigint;
  dataranges: number;
  bytes: number;
}

/**
 * The aggregations the tiers call for in a manifest, in the order they would run.
 *
 * @example
 * ```ts
 * for (const op of planOptimize(await ds.manifest({ fresh: true }))) console.log(op.first, op.last, op.bytes);
 * ```
 */
export function planOptimize(
  manifest: Manifest,
  tiers: readonly SizeTier[] = DEFAULT_TIERS,
): PlannedAggregate[] {
  const used = new Set<string>();
  const plan: PlannedAggregate[] = [];
  for (const tier of tiers) {
    if (!(tier.below > 0 && tier.target >= tier.below)) {
      throw bkError('InvalidArgument', `tier ${tier.name}: need 0 < below <= target`, {
        details: { ...tier },
      });
    }
    let run: Datarange[] = [];
    let bytes = 0;
    const close = () => {
      if (run.length >= 2) {
        for (const r of run) used.add(r.key);
        plan.push({
          tier: tier.name,
          first: run[0]!.first,
          last: run.at(-1)!.last,
          dataranges: run.length,
          bytes,
        });
      }
      run = [];
      bytes = 0;
    };
    for (const r of manifest.dataranges) {
      const prev = run.at(-1);
      if (used.has(r.key) || r.size >= tier.below) {
        close();
        continue;
      }
      if ((prev && prev.last + 1n !== r.first) || bytes + r.size > tier.target) close();
      run.push(r);
      bytes += r.size;
    }
    close();
  }
  return plan.sort((a, b) => (a.first < b.first ? -1 : 1));
}

/** Options of `optimize()`. */
export interface OptimizeOptions extends Omit<AggregateOptions, 'onStep'> {
  tiers?: readonly SizeTier[];
  /** Only plan. */
  dryRun?: boolean;
  /** Progress of each aggregation, with its place in the plan. */
  onStep?: (op: PlannedAggregate, step: Parameters<NonNullable<AggregateOptions['onStep']>>[0]) => void;
}

/**
 * Plans aggregations by size tiers (see `DEFAULT_TIERS`) and, unless `dryRun`, runs them one by one.
 *
 * @example
 * ```ts
 * const { plan } = await optimize(ds, { dryRun: true });
 * console.table(plan);
 * await optimize(ds);
 * ```
 */
export async function optimize(
  dataset: Dataset,
  options: OptimizeOptions = {},
): Promise<{ plan: PlannedAggregate[]; results: AggregateResult[] }> {
  const { tiers, dryRun, onStep, ...rest } = options;
  const plan = planOptimize(await dataset.manifest({ fresh: true, signal: options.signal }), tiers);
  const results: AggregateResult[] = [];
  if (dryRun) return { plan, results };
  for (const op of plan) {
    results.push(
      await aggregate(dataset, op.first, op.last, {
        ...rest,
        ...(onStep ? { onStep: (step) => onStep(op, step) } : {}),
      }),
    );
  }
  return { plan, results };
}
