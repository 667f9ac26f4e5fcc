import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../errors.js';
import { generatedStream, md5Hex, md5OfStream, pseudoRandomBytes } from './bytes.js';
import type { SuiteContext } from './conformance.js';

const MIB = 1024 * 1024;
const ETAG = /^[0-9a-f]{32}(-\d+)?$/;

/** Bodies round-trip byte-exact, whatever their size or type; ranged reads; aborted uploads leave nothing. */
export function bodyTests({ port, options, timeout }: SuiteContext): void {
  describe('bodies', () => {
    for (const size of [0, 1, 4096, 100_000, 5 * MIB + 1]) {
      it(
        `round-trips ${size} bytes byte-exact with an MD5 ETag`,
        async () => {
          const bytes = pseudoRandomBytes(size, size + 11);
          const key = `bodies/${size}.bin`;
          const put = await port().put(key, bytes);
          expect(put).toEqual({ etag: md5Hex(bytes), size });
          const got = await port().get(key);
          expect(got.size).toBe(size);
          expect(got.etag).toBe(md5Hex(bytes));
          const back = await got.bytes();
          // one type from every port (browsers have no Buffer; deep equality tells them apart)
          expect(Buffer.isBuffer(back), 'bytes() gave a Node Buffer, not a plain Uint8Array').toBe(false);
          expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
          expect((await port().head(key)).etag).toBe(put.etag);
        },
        timeout,
      );
    }

    it.runIf(options.large !== false)(
      'round-trips a 64 MiB stream of unknown length without error, byte-exact',
      async () => {
        const source = generatedStream(64 * MIB);
        let reported = 0;
        const put = await port().put('bodies/64mib.bin', source.stream, {
          onProgress: (p) => {
            reported = p.loaded;
          },
        });
        expect(put.size).toBe(64 * MIB);
        expect(put.etag).toMatch(ETAG);
        expect(reported).toBe(64 * MIB);
        const got = await port().get('bodies/64mib.bin');
        expect(await md5OfStream(got.body)).toEqual({ md5: source.md5(), size: 64 * MIB });
        if (!put.etag.includes('-')) expect(put.etag).toBe(source.md5());
      },
      timeout * 3,
    );

    it(
      'accepts string, Blob and async-iterable bodies',
      async () => {
        await port().put('bodies/string.txt', 'héllo');
        expect(await (await port().get('bodies/string.txt')).text()).toBe('héllo');
        await port().put('bodies/bom.txt', '\uFEFFhéllo');
        expect(await (await port().get('bodies/bom.txt')).text()).toBe('\uFEFFhéllo');
        await port().put('bodies/blob.bin', new Blob([new Uint8Array([1, 2, 3])]));
        expect([...(await (await port().get('bodies/blob.bin')).bytes())]).toEqual([1, 2, 3]);
        async function* parts() {
          yield new Uint8Array([4]);
          yield new Uint8Array([5, 6]);
        }
        const put = await port().put('bodies/iter.bin', parts());
        expect(put).toEqual({ etag: md5Hex(new Uint8Array([4, 5, 6])), size: 3 });
      },
      timeout,
    );

    describe('ranged reads', () => {
      const bytes = pseudoRandomBytes(1000, 5);
      const read = async (start: number, end?: number) => {
        const got = await port().get('ranges/r.bin', {
          range: end === undefined ? { start } : { start, end },
        });
        return { got, bytes: await got.bytes() };
      };
      it(
        'returns the first byte, the last byte, a middle slice and clamps past the end',
        async () => {
          await port().put('ranges/r.bin', bytes);
          const first = await read(0, 0);
          expect([...first.bytes]).toEqual([bytes[0]]);
          expect(first.got.size).toBe(1000);
          expect(first.got.range).toEqual({ start: 0, end: 0 });
          expect([...(await read(999, 999)).bytes]).toEqual([bytes[999]]);
          expect([...(await read(10, 19)).bytes]).toEqual([...bytes.slice(10, 20)]);
          expect([...(await read(990)).bytes]).toEqual([...bytes.slice(990)]);
          const clamped = await read(995, 5000);
          expect([...clamped.bytes]).toEqual([...bytes.slice(995)]);
          expect(clamped.got.range).toEqual({ start: 995, end: 999 });
        },
        timeout,
      );
      it(
        'throws a typed InvalidRange for a range that starts past the end',
        async () => {
          await port().put('ranges/r.bin', bytes);
          const err = await port()
            .get('ranges/r.bin', { range: { start: 1000 } })
            .catch((e) => e);
          expect(BucketkitError.is(err, 'InvalidRange')).toBe(true);
        },
        timeout,
      );
    });

    it(
      'aborting an upload mid-body leaves nothing behind',
      async () => {
        const controller = new AbortController();
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            sent += MIB;
            if (sent === 12 * MIB) controller.abort(new Error('user cancelled'));
            c.enqueue(pseudoRandomBytes(MIB, sent));
          },
        });
        const err = await port()
          .put('abort/partial.bin', body, { signal: controller.signal })
          .catch((e) => e);
        expect(BucketkitError.is(err, 'Aborted')).toBe(true);
        const head = await port()
          .head('abort/partial.bin')
          .catch((e) => e);
        expect(BucketkitError.is(head, 'NotFound')).toBe(true);
        const left = [];
        for await (const entry of port().list({ prefix: 'abort/' })) left.push(entry);
        expect(left).toEqual([]);
      },
      timeout,
    );

    it(
      'an already aborted signal stops get and list with Aborted',
      async () => {
        await port().put('abort/x', 'x');
        const signal = AbortSignal.abort();
        expect(
          BucketkitError.is(
            await port()
              .get('abort/x', { signal })
              .catch((e) => e),
            'Aborted',
          ),
        ).toBe(true);
        const listing = async () => {
          for await (const _ of port().list({ signal })) return;
        };
        expect(BucketkitError.is(await listing().catch((e) => e), 'Aborted')).toBe(true);
        await port().delete('abort/x');
      },
      timeout,
    );
  });
}
