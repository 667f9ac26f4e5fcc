import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './conformance.js';

/** Keys S3 treats as ordinary strings but naive adapters turn into paths, escapes or collisions. */
export const AWKWARD_KEYS = [
  '..',
  '../escape',
  'a/../../b',
  './dot',
  '.hidden',
  '//double//slash',
  'trailing/',
  'a',
  'a/b',
  'a~',
  'a~l',
  '%2F',
  'sp ace+plus',
  'unicode/日本語/ключ',
  'emoji 😀',
  'CaseSensitive',
  'casesensitive',
  'back\\slash',
  'q?uery#frag&amp',
];

/** Every awkward key round-trips and lists exactly; long keys up to the limit work. */
export function keyTests({ port, timeout }: SuiteContext): void {
  describe('awkward keys', () => {
    it(
      'stores, reads and lists keys such as "..", "//", a trailing "/" and unicode as ordinary keys',
      async () => {
        for (const [i, key] of AWKWARD_KEYS.entries()) {
          await port().put(`keys/${key}`, `value ${i}`);
        }
        for (const [i, key] of AWKWARD_KEYS.entries()) {
          expect(await (await port().get(`keys/${key}`)).text()).toBe(`value ${i}`);
          expect((await port().head(`keys/${key}`)).key).toBe(`keys/${key}`);
        }
        const listed: string[] = [];
        for await (const entry of port().list({ prefix: 'keys/' })) {
          if (entry.type === 'object') listed.push(entry.key.slice('keys/'.length));
        }
        expect(new Set(listed)).toEqual(new Set(AWKWARD_KEYS));
        expect(listed).toHaveLength(AWKWARD_KEYS.length);
      },
      timeout,
    );

    it(
      'handles long keys: a 900-byte single segment and a 900-byte multi-byte key',
      async () => {
        // the suite's own prefix takes 50 bytes; 900 + 50 stays under S3's 1024
        const keys = [`long/${'x'.repeat(895)}`, `long/${'ж'.repeat(447)}`];
        for (const key of keys) await port().put(key, key.slice(-3));
        for (const key of keys) expect(await (await port().get(key)).text()).toBe(key.slice(-3));
        const listed: string[] = [];
        for await (const entry of port().list({ prefix: 'long/' }))
          if (entry.type === 'object') listed.push(entry.key);
        expect(listed.sort()).toEqual([...keys].sort());
      },
      timeout,
    );
  });
}
