import { join, normalize } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyToPath, kindOfName, pathToKey } from '../../src/storage/file/paths.js';

// Pieces a key is built from: runs that end at and around the 200-byte name limit (the limit counts
// escaped bytes, so 'A' counts 1 and '%' counts 3), dots, `..`, empty segments, every escaped
// character and multi-byte unicode.
const around200 = fc.integer({ min: 190, max: 210 }).map((n) => 'A'.repeat(n));
const escapedRun = fc.integer({ min: 60, max: 70 }).map((n) => '~'.repeat(n));
const piece = fc.oneof(
  around200,
  escapedRun,
  fc.constantFrom(
    '.',
    '..',
    '...',
    '/',
    '//',
    '~',
    '~+',
    '%',
    '%2E',
    '~l',
    '~d',
    ' ',
    '\\',
    '\u0000',
    'é',
    '😀',
    'ж',
  ),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.stringMatching(/^[A-Za-z0-9._-]{0,6}$/),
);
const keyArb = fc
  .array(piece, { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''))
  .filter((key) => key.length > 0 && Buffer.byteLength(key) <= 1024 && !/[\ud800-\udfff]/.test(key));

/**
 * The mapping of the builds before issue 14 (a model kept for the compatibility check): the same
 * names, but the rest of a long segment was used as a folder name even when it was `.` or `..`.
 */
function previousRecordPath(key: string): string {
  const { dirs, base } = keyToPath(key);
  const previous = dirs.map((dir, i) =>
    (dir === '%2E' || dir === '%2E.') && dirs[i - 1]?.endsWith('~+') ? dir.replace('%2E', '.') : dir,
  );
  return ['/root', ...previous, `${base}~`].join('/');
}

/** The record's path as the adapter builds it, under a made-up root. */
function recordPath(key: string): string {
  const { dirs, base } = keyToPath(key);
  return join('/root', ...dirs, `${base}~`);
}

describe('file adapter key → path mapping', () => {
  // the pinned seeds reproduced issue 14's finding 1 before the fix
  it.each([
    [`${'A'.repeat(200)}../x`, 'x'],
    [`${'A'.repeat(200)}./x`, `${'A'.repeat(200)}x`],
    [`${'A'.repeat(200)}../${'A'.repeat(200)}../b`, 'b'],
    [`${'A'.repeat(400)}..`, 'A'.repeat(200)],
  ])('%s and %s are different files', (a, b) => {
    expect(recordPath(a)).not.toBe(recordPath(b));
  });

  it('every name is a plain name: join keeps every component, nothing leaves the root', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const { dirs, base } = keyToPath(key);
        const names = [...dirs, `${base}~`];
        for (const name of names) {
          expect(name).not.toMatch(/^\.\.?$|^$|[/\\\0]/);
          expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255 - 40); // room for `~d` + a suffix
        }
        const path = recordPath(key);
        expect(path).toBe(normalize(path));
        expect(path.split('/').slice(2)).toEqual(names);
        for (const dir of dirs) expect(['directory', 'continuation']).toContain(kindOfName(dir));
        expect(kindOfName(`${base}~`)).toBe('record');
      }),
      { numRuns: 2000 },
    );
  });

  it('path → key round-trips', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const { dirs, base } = keyToPath(key);
        expect(pathToKey(dirs, base)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the path of every key the previous mapping stored correctly (folders stay readable)', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const before = previousRecordPath(key);
        // a key whose path join did not collapse was stored at its own place: it must not move
        if (normalize(before) === before) expect(recordPath(key)).toBe(before);
      }),
      { numRuns: 2000 },
    );
  });

  it('distinct keys give distinct paths', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        fc.pre(a !== b);
        expect(recordPath(a)).not.toBe(recordPath(b));
      }),
      { numRuns: 2000 },
    );
    // and a pair that differs only by a dot around the name limit, for every split point
    for (let n = 195; n <= 205; n++) {
      const seen = new Map<string, string>();
      for (const tail of ['', '.', '..', '.x', '../x', './x', 'x', '/x', '//x', '/', '%2E', '~+']) {
        const key = 'A'.repeat(n) + tail + (tail === '' ? 'z' : '');
        const path = recordPath(key);
        expect(seen.get(path), `${n} ${tail}`).toBeUndefined();
        seen.set(path, key);
      }
    }
  });
});
