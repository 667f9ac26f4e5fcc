import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildIndex,
  decodeIndex,
  readTar,
  readTarStream,
  type TarEntry,
  TarParser,
  tarBytes,
  tarContent,
  writeTar,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import { readAll } from '../../src/storage/index.js';
import { concat, content, END, paxData, rawHeader } from './tar-helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const nameArb = fc.oneof(
  fc.stringMatching(/^[a-z0-9._-]{1,40}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }).filter((s) => !s.includes('\0')),
  fc.stringMatching(/^[a-z]{101,300}$/),
);
const entriesArb = fc.array(fc.record({ name: nameArb, body: fc.uint8Array({ maxLength: 2000 }) }), {
  maxLength: 12,
});

function expectCorrupt(fn: () => unknown, offset?: number) {
  try {
    fn();
  } catch (err) {
    expect(BucketkitError.is(err, 'Corrupt'), String(err)).toBe(true);
    if (offset !== undefined) expect((err as BucketkitError).details.offset).toBe(offset);
    return err as BucketkitError;
  }
  throw new Error('expected a Corrupt error');
}

function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('writer → reader round trip', () => {
  it('reads back every name and body, with offsets that locate them', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const bytes = tarBytes(entries);
        expect(bytes.length % 512).toBe(0);
        const read = readTar(bytes);
        expect(read.map((e) => e.name)).toEqual(entries.map((e) => e.name));
        read.forEach((entry, i) => {
          expect(tarContent(bytes, entry)).toEqual(entries[i]!.body);
          expect(entry.contentOffset).toBe(entry.headerOffset + entry.headerBlocks * 512);
          expect(entry.headerBlocks).toBe(enc.encode(entry.name).length > 100 ? 3 : 1);
          expect(entry.type).toBe('file');
        });
        expect(decodeIndex(buildIndex(read))).toEqual(
          read.map(({ headerOffset, headerBlocks, size }) => ({ headerOffset, headerBlocks, size })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('streams the same bytes as tarBytes, and the stream reader agrees with the bytes reader for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArb,
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }),
        async (entries, sizes) => {
          const streamed = await readAll(writeTar(entries));
          const bytes = tarBytes(entries);
          expect(streamed).toEqual(bytes);
          const fromStream: TarEntry[] = [];
          for await (const e of readTarStream(toAsync(chunked(bytes, sizes)))) {
            fromStream.push(e);
          }
          expect(fromStream).toEqual(readTar(bytes));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a ReadableStream source', async () => {
    const bytes = tarBytes([{ name: 'a', body: enc.encode('hello') }]);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunked(bytes, [100, 7])) controller.enqueue(c);
        controller.close();
      },
    });
    const names: string[] = [];
    for await (const e of readTarStream(stream)) names.push(e.name);
    expect(names).toEqual(['a']);
  });

  it('pulls entries lazily from an async source', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield { name: `f${i}`, body: new Uint8Array(10) };
      }
    }
    const gen = writeTar(source());
    await gen.next();
    expect(pulled).toBe(1);
    const rest = await readAll(gen);
    expect(rest.length).toBe(3 * 1024 + 1024 - 512);
  });

  it('puts names of up to 100 bytes in the header, longer ones in a PAX record', () => {
    for (const [length, blocks] of [
      [99, 1],
      [100, 1],
      [101, 3],
    ] as const) {
      const name = 'n'.repeat(length);
      const [entry] = readTar(tarBytes([{ name, body: new Uint8Array(1) }]));
      expect(entry).toMatchObject({ name, headerBlocks: blocks });
    }
    const multibyte = `${'a'.repeat(99)}é`; // 101 bytes: the header keeps 99, PAX keeps it whole
    expect(readTar(tarBytes([{ name: multibyte, body: new Uint8Array() }]))[0]!.name).toBe(multibyte);
  });

  it('keeps a leading U+FEFF in a name, in the header and in a PAX record (pinned: a decoder dropped it)', () => {
    const names = ['\uFEFFa.txt', `\uFEFF${'b'.repeat(120)}`, '\uFEFF'];
    const entries = names.map((name) => ({ name, body: new Uint8Array([1]) }));
    expect(readTar(tarBytes(entries)).map((e) => e.name)).toEqual(names);
  });

  it('rejects names the format cannot carry', () => {
    for (const name of ['', 'a\0b']) {
      expect(() => tarBytes([{ name, body: new Uint8Array() }])).toThrow(/InvalidArgument/);
    }
  });
});

async function* toAsync(chunks: Uint8Array[]) {
  for (const c of chunks) yield c;
}

describe('reader: formats', () => {
  it('joins the ustar prefix and name, and ignores the prefix area of GNU headers', () => {
    const ustar = concat(rawHeader({ name: 'file.txt', prefix: 'some/dir' }), END);
    expect(readTar(ustar)[0]!.name).toBe('some/dir/file.txt');
    const gnu = concat(rawHeader({ name: 'file.txt', prefix: 'junk', magic: 'gnu' }), END);
    expect(readTar(gnu)[0]!.name).toBe('file.txt');
    const v7 = concat(rawHeader({ name: 'old.txt', magic: 'v7' }), END);
    expect(readTar(v7)[0]!.name).toBe('old.txt');
  });

  it('accepts signed checksums and rejects wrong ones', () => {
    const signed = rawHeader({ name: 'é', highBytes: true, checksum: 'signed' });
    expect(readTar(concat(signed, END))).toHaveLength(1);
    const bad = rawHeader({ checksum: 'bad' });
    const err = expectCorrupt(() => readTar(concat(content('x'), bad, END)), 0);
    expect(err.message).toMatch(/checksum/);
    const second = concat(rawHeader({ size: 3 }), content('abc'), rawHeader({ checksum: 'bad' }), END);
    expect(expectCorrupt(() => readTar(second), 1024).details.entry).toBe(1);
  });

  it('reads GNU long names and long links, counting their header blocks', () => {
    const long = `${'d/'.repeat(300)}file`; // 604 bytes and a NUL: two data blocks
    const data = enc.encode(`${long}\0`);
    const bytes = concat(
      rawHeader({ name: '././@LongLink', typeflag: 'L', size: data.length, magic: 'gnu' }),
      content(data),
      rawHeader({ name: long.slice(0, 100), size: 5, magic: 'gnu' }),
      content('hello'),
      rawHeader({ name: '././@LongLink', typeflag: 'K', size: 301, magic: 'gnu' }),
      content(`${'t'.repeat(300)}\0`),
      rawHeader({ name: 'link', typeflag: '2', linkname: 'short', magic: 'gnu' }),
      END,
    );
    const entries = readTar(bytes, { all: true });
    expect(entries[0]).toEqual({
      name: long,
      size: 5,
      headerOffset: 0,
      headerBlocks: 4,
      contentOffset: 2048,
      type: 'file',
    });
    expect(dec.decode(tarContent(bytes, entries[0]!))).toBe('hello');
    expect(entries[1]).toMatchObject({
      name: 'link',
      type: 'symlink',
      linkName: 't'.repeat(300),
      headerBlocks: 3,
    });
    expect(readTar(bytes)).toHaveLength(1);
  });

  it('applies PAX path and size per file, and global headers to what follows', () => {
    const x = paxData({ path: 'pax/name/é.bin', size: '3', mtime: '1.5' });
    const g = paxData({ path: 'global-name' });
    const bytes = concat(
      rawHeader({ name: 'PaxHeaders/x', typeflag: 'x', size: x.length }),
      content(x),
      rawHeader({ name: 'short', size: 0 }),
      content('abc'),
      rawHeader({ name: 'GlobalHead', typeflag: 'g', size: g.length }),
      content(g),
      rawHeader({ name: 'ignored', size: 2 }),
      content('hi'),
      END,
    );
    const [a, b] = readTar(bytes);
    expect(a).toMatchObject({ name: 'pax/name/é.bin', size: 3, headerOffset: 0, headerBlocks: 3 });
    expect(dec.decode(tarContent(bytes, a!))).toBe('abc');
    expect(b).toMatchObject({ name: 'global-name', size: 2, headerOffset: 3072, headerBlocks: 1 });
  });

  it('reads base-256 sizes and space-padded octal', () => {
    const field = new Uint8Array(12);
    field[0] = 0x80;
    field[11] = 4;
    const bytes = concat(rawHeader({ sizeField: field }), content('abcd'), END);
    expect(readTar(bytes)[0]!.size).toBe(4);
    const spaced = concat(rawHeader({ sizeField: enc.encode('      4 \0\0\0\0') }), content('abcd'), END);
    expect(readTar(spaced)[0]!.size).toBe(4);
  });

  it('skips directories and links, and the content of header-only types', () => {
    const bytes = concat(
      rawHeader({ name: 'dir/', typeflag: '5', size: 1000 }),
      rawHeader({ name: 'dir/f', size: 1 }),
      content('z'),
      END,
    );
    expect(readTar(bytes)).toEqual([
      { name: 'dir/f', size: 1, headerOffset: 512, headerBlocks: 1, contentOffset: 1024, type: 'file' },
    ]);
  });

  it("accepts GNU tar's record padding after the end marker, and unterminated archives when not strict", () => {
    const body = concat(rawHeader({ size: 1 }), content('a'));
    const padded = concat(body, new Uint8Array(10240 - body.length));
    expect(readTar(padded)).toHaveLength(1);
    expect(readTar(concat(body, END))).toHaveLength(1);
    expect(readTar(body, { strict: false })).toHaveLength(1);
    expect(readTar(concat(body, new Uint8Array(512)), { strict: false })).toHaveLength(1);
    expect(readTar(new Uint8Array(), { strict: false })).toEqual([]);
    expect(readTar(END)).toEqual([]);
  });
});

describe('reader: malformed input is Corrupt, naming where', () => {
  const one = concat(rawHeader({ name: 'a', size: 700 }), content(new Uint8Array(700)));

  it('missing or partial end marker when strict', () => {
    expect(expectCorrupt(() => readTar(one)).message).toMatch(/end-of-archive/);
    expect(expectCorrupt(() => readTar(concat(one, new Uint8Array(512)))).message).toMatch(/one of the two/);
    expectCorrupt(() => readTar(new Uint8Array()));
  });

  it('truncated header or content, in strict and lenient mode', () => {
    for (const strict of [true, false]) {
      expect(expectCorrupt(() => readTar(one.subarray(0, 300), { strict }), 0).message).toMatch(/header/);
      expect(expectCorrupt(() => readTar(one.subarray(0, 900), { strict })).message).toMatch(/content/);
      expectCorrupt(() => readTar(one.subarray(0, one.length - 1), { strict }));
    }
  });

  it('a size past the end, an absurd size, a non-octal or negative size', () => {
    expectCorrupt(() => readTar(concat(rawHeader({ size: 8 ** 11 - 1 }), END)));
    const huge = new Uint8Array(12).fill(0xff);
    huge[0] = 0x80;
    expect(expectCorrupt(() => readTar(concat(rawHeader({ sizeField: huge }), END))).message).toMatch(
      /absurd/,
    );
    const negative = new Uint8Array(12).fill(0xff);
    expectCorrupt(() => readTar(concat(rawHeader({ sizeField: negative }), END)));
    const nonOctal = enc.encode('0000000009a\0');
    expect(expectCorrupt(() => readTar(concat(rawHeader({ sizeField: nonOctal }), END))).message).toMatch(
      /octal/,
    );
  });

  it('oversized or malformed extension headers, and extensions without an entry', () => {
    const big = rawHeader({ typeflag: 'x', size: 2 * 1024 * 1024 });
    expect(expectCorrupt(() => readTar(concat(big, END))).message).toMatch(/limit/);
    for (const text of ['5 a=b', '99 path=x\n', 'x path=y\n', '6 pa\n\n', '1 \n']) {
      const data = enc.encode(text);
      const bytes = concat(
        rawHeader({ typeflag: 'x', size: data.length }),
        content(data),
        rawHeader({}),
        END,
      );
      expect(expectCorrupt(() => readTar(bytes), 0).message).toMatch(/PAX record/);
    }
    const size = paxData({ size: '12x' });
    expectCorrupt(() =>
      readTar(concat(rawHeader({ typeflag: 'x', size: size.length }), content(size), rawHeader({}), END)),
    );
    const path = paxData({ path: 'p' });
    const dangling = concat(rawHeader({ typeflag: 'x', size: path.length }), content(path));
    expectCorrupt(() => readTar(concat(dangling, END)), 0);
    expectCorrupt(() => readTar(dangling, { strict: false }), 0);
  });

  it('a lone zero block, and garbage after the end marker', () => {
    const lone = concat(rawHeader({}), new Uint8Array(512), rawHeader({}), END);
    expect(expectCorrupt(() => readTar(lone), 512).message).toMatch(/lone zero block/);
    const trailing = concat(rawHeader({}), END, enc.encode('x'));
    expect(expectCorrupt(() => readTar(trailing), 1536).message).toMatch(/after the end/);
  });

  it('a parser that has thrown keeps throwing the same error', () => {
    const parser = new TarParser();
    const bad = rawHeader({ checksum: 'bad' });
    const first = expectCorrupt(() => parser.push(bad));
    expect(() => parser.push(END)).toThrow(first);
    expect(() => parser.end()).toThrow(first);
  });

  it('GNU sparse files are Unsupported, not misread', () => {
    const bytes = concat(rawHeader({ typeflag: 'S' }), END);
    expect(() => readTar(bytes)).toThrow(expect.objectContaining({ code: 'Unsupported' }));
  });
});
