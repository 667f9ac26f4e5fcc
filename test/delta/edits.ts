/** Generated test data for the delta tests: seeded random bytes and typical edits of them. */

import { concatBytes } from '../../src/storage/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';

/** Seeded random bytes (the seed spread over 32 bits first), so failures reproduce. */
export function randomBytes(length: number, seed: number): Uint8Array {
  return pseudoRandomBytes(length, Math.imul(seed, 0x9e3779b1) ^ 0x2545f491);
}

const WORDS = 'const let return function if else for while import export from class new this true false null'
  .concat(' value index length source target delta window buffer offset result error await async')
  .split(' ');

/** Source-code-like text of about `size` bytes: indented lines of common words and numbers. */
export function textLike(size: number, seed: number): Uint8Array {
  const pick = randomBytes(size, seed);
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const words = 2 + ((pick[i % size] as number) % 8);
    const parts = Array.from({ length: words }, (_, w) => {
      const r = (pick[(i * 7 + w) % size] as number) + w;
      return r % 11 === 0 ? String(r * 31) : (WORDS[r % WORDS.length] as string);
    });
    const line = `${' '.repeat(2 * ((pick[(i * 3) % size] as number) % 4))}${parts.join(' ')};`;
    lines.push(line);
    total += line.length + 1;
  }
  return new TextEncoder().encode(lines.join('\n')).subarray(0, size);
}

export type Edit =
  | { kind: 'insert'; at: number; length: number; seed: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'move'; from: number; length: number; to: number }
  | { kind: 'repeat'; from: number; length: number; times: number }
  | { kind: 'flip'; at: number };

/** Applies one edit; positions are taken modulo the data length so any numbers are valid. */
export function applyEdit(data: Uint8Array, edit: Edit): Uint8Array {
  const n = data.length;
  const at = (p: number) => (n === 0 ? 0 : p % (n + 1));
  switch (edit.kind) {
    case 'insert':
      return concatBytes([
        data.subarray(0, at(edit.at)),
        randomBytes(edit.length, edit.seed),
        data.subarray(at(edit.at)),
      ]);
    case 'delete':
      return concatBytes([data.subarray(0, at(edit.at)), data.subarray(at(edit.at) + edit.length)]);
    case 'move': {
      const piece = data.subarray(at(edit.from), at(edit.from) + edit.length);
      const rest = concatBytes([data.subarray(0, at(edit.from)), data.subarray(at(edit.from) + edit.length)]);
      const to = rest.length === 0 ? 0 : edit.to % (rest.length + 1);
      return concatBytes([rest.subarray(0, to), piece, rest.subarray(to)]);
    }
    case 'repeat': {
      const piece = data.subarray(at(edit.from), at(edit.from) + edit.length);
      const end = at(edit.from) + piece.length;
      return concatBytes([
        data.subarray(0, end),
        ...Array<Uint8Array>(edit.times).fill(piece),
        data.subarray(end),
      ]);
    }
    case 'flip': {
      const out = data.slice();
      if (n > 0) out[edit.at % n] = (out[edit.at % n] as number) ^ 0x5a;
      return out;
    }
  }
}

export function applyEdits(data: Uint8Array, edits: Edit[]): Uint8Array {
  return edits.reduce(applyEdit, data);
}

/** A reference of `size` bytes (random or text-like) and a new version with every kind of edit. */
export function versionPair(
  size: number,
  seed: number,
  text = false,
): { source: Uint8Array; target: Uint8Array } {
  const source = text ? textLike(size, seed) : randomBytes(size, seed);
  const step = Math.max(1, Math.floor(size / 12));
  const edits: Edit[] = [
    { kind: 'insert', at: step, length: 3000, seed: seed + 1 },
    { kind: 'delete', at: 2 * step, length: 2000 },
    { kind: 'move', from: 3 * step, length: 50_000, to: 9 * step },
    { kind: 'repeat', from: 5 * step, length: 10_000, times: 3 },
    { kind: 'flip', at: 6 * step },
    { kind: 'flip', at: 7 * step + 100 },
    { kind: 'insert', at: 8 * step, length: 100, seed: seed + 2 },
    { kind: 'delete', at: 10 * step, length: 40 },
  ];
  return { source, target: applyEdits(source, edits) };
}
