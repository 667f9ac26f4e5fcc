import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../../src/errors.js';
import { compilePolicy } from '../../../src/gateway/policy/index.js';
import { formBoundary, readPostForm } from '../../../src/gateway/post/index.js';

/**
 * Property and fuzz tests of the two parsers browser uploads and policies add (seed pinned by the test
 * setup): the streaming form parser returns the fields and the file exactly however the body is cut
 * into chunks, and neither parser answers garbage with anything but a BucketkitError.
 */
const BOUNDARY = '----bkBoundary7MA4YWxkTrZu0gW';

function encodeForm(fields: [string, string][], file: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(new TextEncoder().encode(s));
  for (const [name, value] of fields) {
    text(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  text(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  parts.push(file);
  text(`\r\n--${BOUNDARY}--\r\n`);
  return Buffer.concat(parts);
}

async function* cut(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.byteLength) return;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.byteLength) yield bytes.subarray(at);
}

const collect = async (body: AsyncIterable<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const fieldName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => n !== 'file');
// values may hold CR, LF and dashes: only the full delimiter ends a part
const fieldValue = fc.string({
  unit: fc.constantFrom('a', 'b', '-', '\r', '\n', ' ', 'é', '='),
  maxLength: 40,
});

describe('browser upload form parser', () => {
  it('formBoundary reads the boundary of multipart/form-data only', () => {
    expect(formBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(formBoundary('multipart/form-data; boundary="quoted b"')).toBe('quoted b');
    expect(formBoundary('application/x-www-form-urlencoded')).toBeUndefined();
    expect(formBoundary('multipart/mixed; boundary=x')).toBeUndefined();
  });

  it('gives back every field and the file byte for byte, however the body is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fieldName, fieldValue), { selector: ([n]) => n, maxLength: 6 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { maxLength: 80 }),
        async (fields, file, sizes) => {
          const form = await readPostForm(cut(encodeForm(fields, file), sizes), BOUNDARY, 20 * 1024);
          expect([...form.fields]).toEqual(fields);
          expect(form.file.filename).toBe('f.bin');
          expect(new Uint8Array(await collect(form.file.body))).toEqual(file);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a file holding the boundary without its CRLF, or near misses of the delimiter, is kept whole', async () => {
    // the delimiter is CRLF + -- + boundary: a file may hold everything short of that
    const file = new TextEncoder().encode(
      `--${BOUNDARY}\r\n\n--${BOUNDARY}\r\n--${BOUNDARY.slice(0, -1)}x\r-${BOUNDARY}`,
    );
    const form = await readPostForm(cut(encodeForm([['key', 'k']], file), [7, 7, 7]), BOUNDARY, 1024);
    expect(new Uint8Array(await collect(form.file.body))).toEqual(file);
  });

  it('garbage bodies are refused with an S3 error, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constantFrom(
              `--${BOUNDARY}`,
              '\r\n',
              '\r\n\r\n',
              'Content-Disposition: form-data; name="file"',
              'name="key"',
            ),
          ),
          {
            maxLength: 12,
          },
        ),
        async (pieces) => {
          const bytes = Buffer.concat(
            pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))),
          );
          try {
            const form = await readPostForm(cut(bytes, [5]), BOUNDARY, 512);
            await collect(form.file.body);
          } catch (err) {
            expect(BucketkitError.is(err)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('bucket policy compiler fuzz', () => {
  it('any JSON value, and any mangled policy, is compiled or refused with MalformedPolicy / PolicyTooLarge', () => {
    const valid = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 8 }))
            .map(
              ([from, to, text]) =>
                valid.slice(0, Math.min(from, to)) + text + valid.slice(Math.max(from, to)),
            ),
        ),
        (text) => {
          try {
            compilePolicy(text);
          } catch (err) {
            expect(BucketkitError.is(err)).toBe(true);
            expect(['MalformedPolicy', 'PolicyTooLarge']).toContain((err as BucketkitError).details.s3Code);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
