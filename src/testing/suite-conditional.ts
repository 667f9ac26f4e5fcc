import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import type { SuiteContext } from './conformance.js';

/**
 * Increments a counter object with compare-and-swap, retrying lost races with jittered backoff.
 *
 * @example
 * ```ts
 * await casIncrement(port, 'counter');
 * ```
 */
export async function casIncrement(port: StoragePort, key: string, maxAttempts = 200): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await port.get(key);
    const value = Number(await current.text()) + 1;
    try {
      await port.put(key, String(value), { ifMatch: current.etag });
      return attempt;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
  throw new Error(`gave up incrementing ${key} after ${maxAttempts} attempts`);
}

/** Create-only and compare-and-swap writes, where the port declares them; a typed refusal where not. */
export function conditionalTests({ port, options, timeout }: SuiteContext): void {
  describe('conditional writes', () => {
    it(
      'reports its conditional-write capability as expected',
      async () => {
        const caps = await port().capabilities();
        expect(typeof caps.conditionalWrites).toBe('boolean');
        if (options.expectConditionalWrites !== undefined) {
          expect(caps.conditionalWrites).toBe(options.expectConditionalWrites);
        }
      },
      timeout,
    );

    it(
      'enforces ifNoneMatch and ifMatch, or refuses them with Unsupported (never ignores them)',
      async () => {
        const caps = await port().capabilities();
        await port().put('cond/one', 'v1');
        const created = await port()
          .put('cond/one', 'v2', { ifNoneMatch: '*' })
          .catch((e) => e);
        const swapped = await port()
          .put('cond/one', 'v3', { ifMatch: '0123456789abcdef0123456789abcdef' })
          .catch((e) => e);
        const expected = caps.conditionalWrites ? 'PreconditionFailed' : 'Unsupported';
        expect(BucketkitError.is(created, expected)).toBe(true);
        expect(BucketkitError.is(swapped, expected)).toBe(true);
        expect(await (await port().get('cond/one')).text()).toBe('v1');
        if (caps.conditionalWrites) {
          const current = await port().head('cond/one');
          await port().put('cond/one', 'v4', { ifMatch: current.etag });
          expect(await (await port().get('cond/one')).text()).toBe('v4');
          await port().put('cond/fresh', 'new', { ifNoneMatch: '*' });
        }
      },
      timeout,
    );

    it(
      "compare-and-swap works on the ETag of a put with etag: 'any' (where declared)",
      async () => {
        if (!(await port().capabilities()).conditionalWrites) return;
        const first = await port().put('cond/any', 'one', { etag: 'any' });
        const second = await port().put('cond/any', 'two', { etag: 'any', ifMatch: first.etag });
        const stale = await port()
          .put('cond/any', 'three', { etag: 'any', ifMatch: first.etag })
          .catch((err) => err);
        expect(BucketkitError.is(stale, 'PreconditionFailed')).toBe(true);
        expect((await port().head('cond/any')).etag).toBe(second.etag);
        expect(await (await port().get('cond/any')).text()).toBe('two');
      },
      timeout,
    );

    it(
      '20 concurrent create-only writers: exactly one wins (where conditional writes are declared)',
      async () => {
        const caps = await port().capabilities();
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => port().put('cond/race', `writer ${i}`, { ifNoneMatch: '*' })),
        );
        const winners = results.filter((r) => r.status === 'fulfilled');
        const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        if (caps.conditionalWrites) {
          expect(winners).toHaveLength(1);
          expect(reasons.every((e) => BucketkitError.is(e, 'PreconditionFailed'))).toBe(true);
          const stored = await (await port().get('cond/race')).text();
          expect(stored).toMatch(/^writer \d+$/);
        } else {
          expect(winners).toHaveLength(0);
          expect(reasons.every((e) => BucketkitError.is(e, 'Unsupported'))).toBe(true);
        }
      },
      timeout,
    );

    it(
      '20 concurrent ifMatch increments with retry reach exactly 20 (where declared)',
      async () => {
        const caps = await port().capabilities();
        await port().put('cond/counter', '0');
        if (!caps.conditionalWrites) {
          const err = await casIncrement(port(), 'cond/counter').catch((e) => e);
          expect(BucketkitError.is(err, 'Unsupported')).toBe(true);
          return;
        }
        await Promise.all(Array.from({ length: 20 }, () => casIncrement(port(), 'cond/counter')));
        expect(await (await port().get('cond/counter')).text()).toBe('20');
      },
      timeout,
    );
  });
}
