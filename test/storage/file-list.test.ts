import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStorage, memoryStorage, type StoragePort } from '../../src/index.js';

/**
 * The folder port walks its folders in key order and reads a record only when the listing reaches it
 * (src/storage/file/list.ts). Whatever keys a folder holds — long segments split over `~+` folders,
 * multi-byte characters cut between names, keys beside folders of the same name — it must list exactly
 * what the memory port lists for the same keys, with any prefix, delimiter and startAfter, and when the
 * caller stops early.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const segment = fc.oneof(
  fc.constantFrom('', 'a', 'a-b', 'a0', 'b', '.x', '..', '~', 'é', '😀', 'a b'),
  fc.stringMatching(/^[ab\-é/]{1,4}$/u),
  // long enough to continue in a `~+` folder (200 bytes per name), cutting %XX escapes of é and 😀
  fc
    .tuple(
      fc.integer({ min: 60, max: 210 }),
      fc.constantFrom('x', 'é', '😀', 'x/'),
      fc.stringMatching(/^[ab]{0,3}$/),
    )
    .map(([n, unit, tail]) => unit.repeat(Math.ceil(n / unit.length)) + tail),
);
const keyArb = fc
  .array(segment, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('/'))
  .filter((k) => k.length > 0 && Buffer.byteLength(k) <= 900);

async function entries(port: StoragePort, options: Parameters<StoragePort['list']>[0], limit: number) {
  const got: string[] = [];
  for await (const entry of port.list(options)) {
    got.push(entry.type === 'object' ? `${entry.key} ${entry.size}` : `P:${entry.prefix}`);
    if (got.length >= limit) break;
  }
  return got;
}

describe('file port listing walk', () => {
  it('lists what the memory port lists, for any keys, prefix, delimiter, startAfter and early stop', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { minLength: 1, maxLength: 24 }),
        fc.nat(),
        fc.nat(),
        fc.option(fc.constantFrom('/', 'a', '-')),
        fc.integer({ min: 1, max: 30 }),
        async (keys, prefixPick, afterPick, delimiter, limit) => {
          const dir = mkdtempSync(join(tmpdir(), 'bk-file-list-'));
          dirs.push(dir);
          const file = fileStorage(dir, { durable: false });
          const memory = memoryStorage();
          for (const [i, key] of keys.entries()) {
            const body = 'x'.repeat(i);
            await file.put(key, body);
            await memory.put(key, body);
          }
          // prefixes and startAfters cut from the keys themselves, where the interesting edges are
          const cutOf = (pick: number) => {
            const key = keys[pick % keys.length]!;
            return key.slice(0, pick % (key.length + 1));
          };
          const prefix = prefixPick % 3 === 0 ? '' : cutOf(prefixPick);
          const startAfter = afterPick % 3 === 0 ? undefined : cutOf(afterPick);
          const options = {
            prefix,
            ...(delimiter !== null ? { delimiter } : {}),
            ...(startAfter !== undefined ? { startAfter } : {}),
          };
          expect(await entries(file, options, limit)).toEqual(await entries(memory, options, limit));
          expect(await entries(file, options, Number.POSITIVE_INFINITY)).toEqual(
            await entries(memory, options, Number.POSITIVE_INFINITY),
          );
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('pages through 3,000 keys in folders with startAfter, as a client paging 1,000 at a time does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bk-file-list-'));
    dirs.push(dir);
    const file = fileStorage(dir, { durable: false });
    const keys: string[] = [];
    for (let f = 0; f < 30; f++)
      for (let k = 0; k < 100; k++)
        keys.push(`f${String(f).padStart(2, '0')}/k${String(k).padStart(3, '0')}`);
    for (const key of keys) await file.put(key, key);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page: string[] = [];
      for await (const entry of file.list(after === undefined ? {} : { startAfter: after })) {
        if (entry.type === 'object') page.push(entry.key);
        if (page.length === 1000) break;
      }
      seen.push(...page);
      if (page.length < 1000) break;
      after = page.at(-1);
    }
    expect(seen).toEqual(keys);
    const folders: string[] = [];
    for await (const entry of file.list({ delimiter: '/' }))
      if (entry.type === 'prefix') folders.push(entry.prefix);
    expect(folders).toEqual(Array.from({ length: 30 }, (_, f) => `f${String(f).padStart(2, '0')}/`));
  });
});
