/** Every subset of {0..n-1} with at most `max` elements: the loss patterns a code with `max` parity survives. */
export function* lossPatterns(n: number, max: number): Generator<number[]> {
  function* from(start: number, chosen: number[]): Generator<number[]> {
    yield chosen;
    if (chosen.length === max) return;
    for (let i = start; i < n; i++) yield* from(i + 1, [...chosen, i]);
  }
  yield* from(0, []);
}
