/** The child's side of the protocol of `file-children.ts`: no imports, so a child starts fast. */

/** A message a child writes (one JSON line). */
export type Message = Record<string, unknown> & { t: string };

/** Writes one message to the parent (a child's side of the protocol). */
export function report(message: Message): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** The JSON argument a child was started with. */
export function childArgument<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A whole number in `[lo, hi]`. */
export function between(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}
