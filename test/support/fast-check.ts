/**
 * Setup for every test file (vitest `setupFiles`): fast-check properties run from a fixed seed, so a
 * run in CI is the run on your machine; `FC_SEED=<n>` replays another seed, `FC_SEED=random` explores.
 * A failure starts with one line naming the seed, the path and the cause, so a log cut after its first
 * line still says how to replay it: `fc.assert(property, { seed, path, endOnFailure: true })`. A failure
 * found this way is pinned as an explicit example in its test, not by changing the seed.
 */
import fc from 'fast-check';

/** The seed every property runs from unless FC_SEED says otherwise. */
export const FC_SEED = seedFrom(process.env.FC_SEED);

function seedFrom(chosen: string | undefined): number {
  if (chosen === undefined || chosen === '') return 20261206;
  if (chosen === 'random') return (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const seed = Number(chosen);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", not "${chosen}"`);
  return seed;
}

/** The first line of a failure: how to replay it and why it failed. */
export function replayLine(details: fc.RunDetails<unknown>): string {
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = fc.stringify(details.counterexample).slice(0, 300);
  return (
    `Property failed after ${details.numRuns} tests (replay: seed ${details.seed}, path "${details.counterexamplePath}"): ` +
    `${cause.split('\n')[0]} — counterexample ${example}`
  );
}

fc.configureGlobal({ seed: FC_SEED });
fc.installGlobalPlugin(() => ({
  onAllRunsComplete(details) {
    if (!details.failed) return;
    throw new Error(`${replayLine(details)}\n${fc.defaultReportMessage(details)}`, {
      cause: details.errorInstance,
    });
  },
}));
