/**
 * The plugin contract. A plugin gets the database in `setup()` and may register hooks and middleware
 * for every resource (`db.addHook`, `db.useMiddleware`), create its own resources, or wrap single ones
 * (`db.resource(name).addHook(...)`). `teardown()` must remove what `setup()` added.
 */
import type { Database } from './database.js';

/**
 * @example
 * ```ts
 * const timing: Plugin = {
 *   name: 'timing',
 *   setup(db) {
 *     this.remove = db.useMiddleware('get', async (ctx, next) => {
 *       const started = performance.now();
 *       try { return await next(); } finally { console.log(ctx.resource, performance.now() - started); }
 *     });
 *   },
 *   teardown() { this.remove?.(); },
 * };
 * ```
 */
export interface Plugin {
  /** A short unique name, for logs. */
  readonly name: string;
  setup(db: Database): void | Promise<void>;
  teardown?(): void | Promise<void>;
  [extra: string]: unknown;
}
