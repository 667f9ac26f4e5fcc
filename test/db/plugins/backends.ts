/**
 * The two backends every db plugin is tested on: the file port and Ceph RGW, each started once for a
 * plugin's tests and stopped after them, once every cleanup step the tests pushed has run (newest first).
 */
import { afterAll, beforeAll, describe } from 'vitest';

/** What a plugin's tests see of one backend. */
export interface Backend<P> {
  /** The backend's fixture, started before the first test. */
  ports: P;
  /** Steps run after the last test, newest first (disconnects, closes). */
  cleanup: (() => Promise<void>)[];
}

/**
 * Declares `body`'s tests once per backend, as `<plugin> on file` and `<plugin> on ceph-rgw`.
 *
 * @example
 * ```ts
 * onEachBackend('ttl', { file: fileFixture, ceph: cephFixture }, (env) => {
 *   test('sweeps', async () => { const port = await env.ports.make(); ... });
 * });
 * ```
 */
export function onEachBackend<P extends { stop(): Promise<void> }>(
  plugin: string,
  fixtures: { file: () => Promise<P>; ceph: () => Promise<P> },
  body: (env: Backend<P>) => void,
): void {
  describe.each([
    ['file', fixtures.file],
    ['ceph-rgw', fixtures.ceph],
  ] as const)(`${plugin} on %s`, (_name, fixture) => {
    const env = { cleanup: [] } as unknown as Backend<P>;
    beforeAll(async () => {
      env.ports = await fixture();
    }, 300_000);
    afterAll(async () => {
      for (const step of env.cleanup.reverse()) await step();
      await env.ports?.stop();
    });
    body(env);
  });
}
