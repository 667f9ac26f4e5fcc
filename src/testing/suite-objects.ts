import { describe, expect, it } from 'vitest';
import { BucketkitError, type ErrorCode } from '../errors.js';
import { md5Hex, pseudoRandomBytes } from './bytes.js';
import type { SuiteContext } from './conformance.js';

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'resolved' | 'untyped'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return BucketkitError.is(err) ? err.code : 'untyped';
  }
}

/** Metadata rules, typed NotFound, copy and delete semantics. */
export function objectTests({ port, timeout }: SuiteContext): void {
  describe('objects', () => {
    it(
      'round-trips metadata and content type through head and get',
      async () => {
        const metadata = { owner: 'ada', 'x-trace': 'a1-b2', empty: '' };
        await port().put('meta/one.json', '{}', { metadata, contentType: 'application/json' });
        const head = await port().head('meta/one.json');
        expect(head.metadata).toEqual(metadata);
        expect(head.contentType).toBe('application/json');
        expect(head.key).toBe('meta/one.json');
        expect(head.lastModified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
        const got = await port().get('meta/one.json');
        expect(got.metadata).toEqual(metadata);
        await got.bytes();
      },
      timeout,
    );

    it(
      'enforces the 2 KiB metadata limit the way S3 does, and refuses uppercase keys',
      async () => {
        const exactly = { big: 'v'.repeat(2048 - 3) };
        await port().put('meta/limit', 'x', { metadata: exactly });
        expect((await port().head('meta/limit')).metadata).toEqual(exactly);
        const over = { big: 'v'.repeat(2048 - 2) };
        expect(await codeOf(port().put('meta/over', 'x', { metadata: over }))).toBe('MetadataTooLarge');
        expect(await codeOf(port().put('meta/upper', 'x', { metadata: { Owner: 'x' } }))).toBe(
          'InvalidMetadata',
        );
        expect(await codeOf(port().put('meta/nonascii', 'x', { metadata: { owner: 'Zoë' } }))).toBe(
          'InvalidMetadata',
        );
        expect(await codeOf(port().head('meta/over'))).toBe('NotFound');
      },
      timeout,
    );

    it(
      'throws a typed NotFound from get, head and copy of a missing key',
      async () => {
        expect(await codeOf(port().get('missing/nothing'))).toBe('NotFound');
        expect(await codeOf(port().head('missing/nothing'))).toBe('NotFound');
        expect(await codeOf(port().copy('missing/nothing', 'missing/copy'))).toBe('NotFound');
        expect(await codeOf(port().head('missing/copy'))).toBe('NotFound');
      },
      timeout,
    );

    it(
      'deletes idempotently, and deleteMany removes every key it is given',
      async () => {
        await port().delete('del/never-existed');
        await port().put('del/a', 'a');
        await port().delete('del/a');
        expect(await codeOf(port().head('del/a'))).toBe('NotFound');
        const keys = Array.from({ length: 25 }, (_, i) => `del/many/${i}`);
        await Promise.all(keys.map((k) => port().put(k, k)));
        expect(await port().deleteMany(keys)).toEqual({ deleted: 25 });
        const left = [];
        for await (const entry of port().list({ prefix: 'del/' })) left.push(entry);
        expect(left).toEqual([]);
      },
      timeout,
    );

    it(
      'copies body and metadata, or replaces the metadata when asked',
      async () => {
        await port().put('copy/src', 'payload', { metadata: { color: 'red' }, contentType: 'text/plain' });
        const kept = await port().copy('copy/src', 'copy/kept');
        expect(kept.size).toBe(7);
        const head = await port().head('copy/kept');
        expect(head.metadata).toEqual({ color: 'red' });
        expect(head.etag).toBe((await port().head('copy/src')).etag);
        expect(await (await port().get('copy/kept')).text()).toBe('payload');
        await port().copy('copy/src', 'copy/replaced', {
          metadata: { color: 'blue' },
          contentType: 'text/x-other',
        });
        const replaced = await port().head('copy/replaced');
        expect(replaced.metadata).toEqual({ color: 'blue' });
        expect(replaced.contentType).toBe('text/x-other');
      },
      timeout,
    );

    it(
      "reports the ETag a put with etag: 'any' returned through head, get and list, and round-trips the bytes",
      async () => {
        // 0 B, inline-sized, and past the file port's small-file and inline limits
        for (const size of [0, 10, 100_000]) {
          const key = `etag-any/${size}`;
          const bytes = pseudoRandomBytes(size, size + 7);
          const { etag } = await port().put(key, bytes, { etag: 'any' });
          expect(etag).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
          expect((await port().head(key)).etag).toBe(etag);
          const got = await port().get(key);
          expect(got.etag).toBe(etag);
          expect(md5Hex(await got.bytes())).toBe(md5Hex(bytes));
          const listed = [];
          for await (const entry of port().list({ prefix: key })) {
            listed.push(entry.type === 'object' ? [entry.key, entry.etag, entry.size] : entry.prefix);
          }
          expect(listed).toEqual([[key, etag, size]]);
        }
      },
      timeout,
    );

    it(
      'rejects keys that are empty or longer than 1024 bytes with InvalidKey',
      async () => {
        expect(await codeOf(port().put('', 'x'))).toBe('InvalidKey');
        // prefixed adds its own bytes, so stay well past the limit
        expect(await codeOf(port().put('k'.repeat(1100), 'x'))).toBe('InvalidKey');
        expect(await codeOf(port().put('é'.repeat(520), 'x'))).toBe('InvalidKey');
      },
      timeout,
    );
  });
}
