import { describe, expect, it } from 'vitest';
import type { StoragePort } from '../storage/index.js';
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

/** True for keys a path-based store mangles: a segment that is empty, `.` or `..`. */
const isPathLike = (key: string) =>
  key.split('/').some((s, i, all) => ['.', '..'].includes(s) || (s === '' && i < all.length - 1));

async function roundTrips(port: StoragePort, keys: string[]): Promise<void> {
  for (const [i, key] of keys.entries()) await port.put(`keys/${key}`, `value ${i}`);
  for (const [i, key] of keys.entries()) {
    expect(await (await port.get(`keys/${key}`)).text()).toBe(`value ${i}`);
    expect((await port.head(`keys/${key}`)).key).toBe(`keys/${key}`);
  }
  const listed: string[] = [];
  for await (const entry of port.list({ prefix: 'keys/' })) {
    if (entry.type === 'object') listed.push(entry.key.slice('keys/'.length));
  }
  expect(listed.sort()).toEqual([...keys].sort());
}

/** Every awkward key round-trips and lists exactly; long keys up to the limit work. */
export function keyTests({ port, options, timeout }: SuiteContext): void {
  const defect = options.knownDefects?.keysAsPaths;
  describe('awkward keys', () => {
    if (!defect) {
      it(
        'stores, reads and lists keys such as "..", "//", a trailing "/" and unicode as ordinary keys',
        async () => {
          await roundTrips(port(), AWKWARD_KEYS);
        },
        timeout,
      );
    } else {
      it(
        `KNOWN DEFECT (${defect}): keys without "."/".."/empty segments round-trip; the others are mangled`,
        async () => {
          await roundTrips(
            port(),
            AWKWARD_KEYS.filter((k) => !isPathLike(k)),
          );
          let faithful = 0;
          for (const key of AWKWARD_KEYS.filter(isPathLike)) {
            try {
              await port().put(`pathy/${key}`, 'x');
              for await (const entry of port().list({ prefix: 'pathy/' })) {
                if (entry.type === 'object' && entry.key === `pathy/${key}`) faithful++;
              }
            } catch {}
          }
          expect(faithful).toBeLessThan(AWKWARD_KEYS.filter(isPathLike).length);
        },
        timeout,
      );
    }

    it(
      defect
        ? `KNOWN DEFECT (${defect}): a 900-byte key made of 200-byte segments round-trips`
        : 'handles 900-byte keys: one long segment, multi-byte characters, and many segments',
      async () => {
        // the suite's own prefix takes 50 bytes; 900 + 50 stays under S3's 1024
        const segmented = `long/${Array.from({ length: 4 }, (_, i) => `${i}`.repeat(200)).join('/')}/${'s'.repeat(90)}`;
        const keys = defect ? [segmented] : [`long/${'x'.repeat(895)}`, `long/${'ж'.repeat(447)}`, segmented];
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
