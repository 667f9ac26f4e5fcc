/**
 * `removeDataranges`: takes datapoints out of a dataset, whole dataranges at a time (what
 * `datasets().delete()` asks for before it deletes a dataset).
 */
import { bkError } from '../errors.js';
import { updateManifest } from './catalog.js';
import { type Dataset, notFound } from './datasets.js';
import { type Datarange, indexKeyOf } from './manifest.js';
import { casOf } from './reserve.js';

export interface RemoveResult {
  /** The dataranges taken out of the manifest, in order. */
  removed: Datarange[];
  /** Their objects (TAR and index) that could not be deleted now; `gc()` deletes them later. */
  leftovers: string[];
}

/**
 * Removes the committed dataranges that lie within `from..to`: first from the manifest (one
 * compare-and-swap, so readers never meet a datarange whose objects are gone), then their objects.
 * A datarange that reaches outside `from..to` is refused with `InvalidArgument` naming the range that
 * would take it whole; nothing is removed then. Removing nothing is not an error.
 *
 * @example
 * ```ts
 * const { removed } = await removeDataranges(datasets(port).open('frames'), 1n, 1000n);
 * ```
 */
export async function removeDataranges(
  dataset: Dataset,
  from: bigint,
  to: bigint,
  options: { signal?: AbortSignal } = {},
): Promise<RemoveResult> {
  if (from < 0n || from > to) {
    throw bkError('InvalidArgument', `${from}..${to} is empty or negative; give FROM <= TO`);
  }
  const { state, result } = await updateManifest(
    dataset.port,
    dataset.name,
    (current) => {
      if (!current) throw notFound(dataset.name);
      const hit = current.dataranges.filter((r) => r.first <= to && r.last >= from);
      const outside = hit.filter((r) => r.first < from || r.last > to);
      if (outside.length > 0) {
        let lo = from;
        let hi = to;
        for (const r of outside) {
          if (r.first < lo) lo = r.first;
          if (r.last > hi) hi = r.last;
        }
        const names = outside.map((r) => `${r.first}..${r.last}`).join(', ');
        throw bkError(
          'InvalidArgument',
          `datarange ${names} of ${dataset.name} reaches outside ${from}..${to}; dataranges are removed whole: remove ${lo}..${hi}`,
          { details: { dataset: dataset.name, from: String(lo), to: String(hi) } },
        );
      }
      const kept = current.dataranges.filter((r) => !hit.includes(r));
      return { manifest: { ...current, dataranges: kept }, result: hit };
    },
    casOf(dataset, options.signal),
  );
  dataset.remember(state);
  const leftovers: string[] = [];
  for (const range of result) {
    for (const key of [range.key, indexKeyOf(range)]) {
      await dataset.port.delete(key, options).catch(() => leftovers.push(key));
    }
  }
  return { removed: result, leftovers };
}
