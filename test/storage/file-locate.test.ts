import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { Folder } from '../../src/storage/file/folder.js';
import { keyToPath } from '../../src/storage/file/paths.js';

/**
 * `Folder.locate` remembers a key's folder by the key's prefix and maps a plain last segment itself
 * (a gateway version is a new key on every write, docs/benchmarks.md): wherever it takes that short
 * cut, it must give exactly the files paths.ts maps the key to, or two keys could share a file.
 */

/** The files of `key` under `root` by the full mapping of paths.ts. */
function mapped(root: string, key: string) {
  const { dirs, base } = keyToPath(key);
  const dir = join(root, ...dirs);
  return { dir, base, record: join(dir, `${base}~`), lock: join(dir, `${base}~l`) };
}

// segments a short cut could get wrong: plain names up to and past the 200-byte name limit, leading
// and inner dots, `.`/`..`, empty segments, escaped and multi-byte characters, version-like names
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,12}$/),
  fc.integer({ min: 195, max: 205 }).map((n) => 'v'.repeat(n)),
  fc.integer({ min: 195, max: 205 }).map((n) => `.${'v'.repeat(n)}`),
  fc.constantFrom(
    '',
    '.',
    '..',
    '.x',
    'x.',
    '~',
    '~l',
    'a~',
    '%',
    'é',
    '😀',
    ' ',
    '\\',
    'fe6c3d1a2b7ffffa3c91ev',
  ),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const keyArb = fc
  .array(segment, { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('/'))
  .filter((key) => key.length > 0 && Buffer.byteLength(key) <= 1024 && !/[\ud800-\udfff]/.test(key));

describe('Folder.locate', () => {
  it('gives every key the files paths.ts maps it to, first time and remembered (seed pinned)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('/data/root', '/srv'),
        fc.array(keyArb, { maxLength: 30 }),
        (root, keys) => {
          const folder = new Folder(root, false);
          // twice over, so that the second pass reads what the first remembered
          for (const key of [...keys, ...keys]) expect(folder.locate(key)).toEqual(mapped(root, key));
        },
      ),
      { seed: 18_0008, numRuns: 400 },
    );
  });

  it('new keys under one folder, and under more folders than it remembers, keep their own files', () => {
    const folder = new Folder('/data', false);
    const key = 'small/1';
    const oneFolder = Array.from({ length: 5000 }, (_, i) => `.bucketkit-gateway/versions/k/${i}v`);
    // a version folder per key: the first ones are forgotten and mapped again from their parent
    const manyFolders = Array.from({ length: 5000 }, (_, i) => `.bucketkit-gateway/versions/k0o${i}/1v`);
    for (const each of [key, ...oneFolder, key, ...manyFolders, ...manyFolders.slice(0, 100), key]) {
      expect(folder.locate(each)).toEqual(mapped('/data', each));
    }
  });

  it('refuses a key that is not valid, short cut or not', () => {
    const folder = new Folder('/data', false);
    for (const key of ['', 'a/\ud800', `a/${'b'.repeat(1100)}`]) {
      expect(() => folder.locate(key)).toThrow(BucketkitError);
    }
  });

  it('maps keys with folders under the filesystem root itself (fileStorage("/"))', () => {
    const folder = new Folder('/', false);
    for (const key of ['a', 'a/b', 'logs/2026/12/06/x.json.gz', '.bucketkit-gateway/versions/k/1v']) {
      expect(folder.locate(key)).toEqual(mapped('/', key));
    }
  });
});
