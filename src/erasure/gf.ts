/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), the field every
 * mainstream Reed-Solomon library uses, plus the small matrix algebra the codec needs.
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

/** a·b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

/** The multiplicative inverse of a non-zero element. */
export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return EXP[255 - LOG[a]!]!;
}

/**
 * The 256-entry table of c·x for every byte x: one lookup per byte multiplies a region by c.
 *
 * @example
 * ```ts
 * const times3 = mulTable(3); times3[0x80] === gfMul(3, 0x80);
 * ```
 */
export function mulTable(c: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let x = 1; x < 256; x++) table[x] = gfMul(c, x);
  return table;
}

/** A row-major matrix over GF(2^8). */
export interface Matrix {
  rows: number;
  cols: number;
  data: Uint8Array;
}

export function matrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Uint8Array(rows * cols) };
}

/**
 * Gauss-Jordan inversion of a square matrix; throws when it is singular (never for the codec's
 * Cauchy-based matrices, whose every square submatrix is invertible).
 */
export function invert(m: Matrix): Matrix {
  const n = m.rows;
  const a = Uint8Array.from(m.data);
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  const inv = out.data;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && a[pivot * n + col] === 0) pivot++;
    if (pivot === n) throw new RangeError('singular matrix');
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        [a[col * n + j], a[pivot * n + j]] = [a[pivot * n + j]!, a[col * n + j]!];
        [inv[col * n + j], inv[pivot * n + j]] = [inv[pivot * n + j]!, inv[col * n + j]!];
      }
    }
    const scale = gfInv(a[col * n + col]!);
    for (let j = 0; j < n; j++) {
      a[col * n + j] = gfMul(a[col * n + j]!, scale);
      inv[col * n + j] = gfMul(inv[col * n + j]!, scale);
    }
    for (let row = 0; row < n; row++) {
      const factor = a[row * n + col]!;
      if (row === col || factor === 0) continue;
      for (let j = 0; j < n; j++) {
        a[row * n + j]! ^= gfMul(factor, a[col * n + j]!);
        inv[row * n + j]! ^= gfMul(factor, inv[col * n + j]!);
      }
    }
  }
  return out;
}

/** a × b. */
export function multiply(a: Matrix, b: Matrix): Matrix {
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) sum ^= gfMul(a.data[i * a.cols + k]!, b.data[k * b.cols + j]!);
      out.data[i * out.cols + j] = sum;
    }
  }
  return out;
}

/**
 * The parity rows of a systematic code: a Cauchy matrix C[i][j] = 1 / (x_i + y_j) with x_i = k + i and
 * y_j = j. Identity on top of it makes every k×k submatrix of the whole invertible (MDS), for any
 * k + m ≤ 256.
 */
export function cauchyParity(dataShards: number, parityShards: number): Matrix {
  const out = matrix(parityShards, dataShards);
  for (let i = 0; i < parityShards; i++) {
    for (let j = 0; j < dataShards; j++) out.data[i * dataShards + j] = gfInv((dataShards + i) ^ j);
  }
  return out;
}
