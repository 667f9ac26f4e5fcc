import { describe, expect, it } from 'vitest';
import type { ListEntry, ListOptions, StoragePort } from '../storage/index.js';
import { compareUtf8 } from '../storage/index.js';
import type { SuiteContext } from './conformance.js';

async function names(port: StoragePort, options: ListOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of port.list(options)) out.push(show(entry));
  return out;
}

const show = (entry: ListEntry) => (entry.type === 'object' ? entry.key : `[${entry.prefix}]`);

async function putAll(port: StoragePort, keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await port.put(key, '');
      }
    }),
  );
}

/** Order, prefix, delimiter, startAfter and paging past 1,000 keys. */
export function listTests({ port, options, timeout }: SuiteContext): void {
  describe('list', () => {
    const ordered = [
      'order/A',
      'order/a',
      'order/a-b',
      'order/a/b',
      'order/a0',
      'order/é',
      'order/\uffee',
      'order/😀',
    ];

    it(
      'lists in UTF-8 byte order (astral characters after U+FFEE, unlike UTF-16 order)',
      async () => {
        await putAll(port(), [...ordered].reverse(), 1);
        expect(await names(port(), { prefix: 'order/' })).toEqual([...ordered].sort(compareUtf8));
        expect([...ordered].sort(compareUtf8)).toEqual(ordered);
      },
      timeout,
    );

    it(
      'filters by prefix and starts strictly after startAfter',
      async () => {
        await putAll(port(), ordered);
        expect(await names(port(), { prefix: 'order/a' })).toEqual([
          'order/a',
          'order/a-b',
          'order/a/b',
          'order/a0',
        ]);
        expect(await names(port(), { prefix: 'order/', startAfter: 'order/a-b' })).toEqual(ordered.slice(3));
        expect(await names(port(), { prefix: 'order/zzz' })).toEqual([]);
      },
      timeout,
    );

    it(
      'groups by delimiter into common prefixes, in order with the objects',
      async () => {
        await putAll(port(), ['tree/x', 'tree/d1/a', 'tree/d1/b', 'tree/d2/c', 'tree/y']);
        expect(await names(port(), { prefix: 'tree/', delimiter: '/' })).toEqual([
          '[tree/d1/]',
          '[tree/d2/]',
          'tree/x',
          'tree/y',
        ]);
        expect(await names(port(), { prefix: 'tree/d1/', delimiter: '/' })).toEqual([
          'tree/d1/a',
          'tree/d1/b',
        ]);
      },
      timeout,
    );

    const defect = options.knownDefects?.delimiterOmitsDeepOnlyPrefixes;
    it(
      defect
        ? `KNOWN DEFECT (${defect}): a folder holding only deeper keys is missing from common prefixes`
        : 'lists a folder that holds only deeper keys as a common prefix',
      async () => {
        await putAll(port(), ['deep/only/inner/leaf', 'deep/top']);
        const listed = await names(port(), { prefix: 'deep/', delimiter: '/' });
        expect(listed).toEqual(defect ? ['deep/top'] : ['[deep/only/]', 'deep/top']);
      },
      timeout,
    );

    it(
      'pages transparently past 1,000 keys, with the default and a small page size',
      async () => {
        const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
        await putAll(port(), keys);
        expect(await names(port(), { prefix: 'many/' })).toEqual(keys);
        expect(await names(port(), { prefix: 'many/', pageSize: 250, startAfter: 'many/00099' })).toEqual(
          keys.slice(100),
        );
        let count = 0;
        for await (const entry of port().list({ prefix: 'many/' })) {
          if (entry.type === 'object') expect(entry.size).toBe(0);
          if (++count === 3) break;
        }
        expect(count).toBe(3);
      },
      timeout * 2,
    );
  });
}
