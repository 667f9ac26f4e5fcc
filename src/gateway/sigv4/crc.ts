/**
 * Table-driven CRCs for the checksums S3 accepts: CRC32 (fallback when node:zlib has no crc32),
 * CRC32C and CRC64NVME, all reflected, processing eight bytes per step ("slicing-by-8").
 * Each update takes and returns the running register; start with `init` and finish with `final`.
 */

function tables32(poly: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
}

function update32(t: Uint32Array, crc: number, data: Uint8Array): number {
  let c = crc;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  for (; i < data.length; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!;
  return c >>> 0;
}

/** A reflected 32-bit CRC with all-ones init and final xor. */
export interface Crc32Like {
  readonly init: number;
  update(crc: number, data: Uint8Array): number;
  final(crc: number): number;
}

function crc32Family(poly: number): Crc32Like {
  let table: Uint32Array | undefined;
  return {
    init: 0xffffffff,
    update(crc, data) {
      if (!table) table = tables32(poly);
      return update32(table, crc, data);
    },
    final: (crc) => (crc ^ 0xffffffff) >>> 0,
  };
}

/** CRC-32 (IEEE 802.3, as zlib). */
export const crc32Js: Crc32Like = crc32Family(0xedb88320);
/** CRC-32C (Castagnoli). */
export const crc32c: Crc32Like = crc32Family(0x82f63b78);

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, kept as two 32-bit halves so no BigInt is needed.
const POLY64_HI = 0x9a6c9329;
const POLY64_LO = 0xac4bc9b5;
let t64: { hi: Uint32Array; lo: Uint32Array } | undefined;

function tables64(): { hi: Uint32Array; lo: Uint32Array } {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const bit = l & 1;
      l = (l >>> 1) | ((h & 1) << 31);
      h >>>= 1;
      if (bit) {
        h ^= POLY64_HI;
        l ^= POLY64_LO;
      }
    }
    hi[n] = h >>> 0;
    lo[n] = l >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const ph = hi[(k - 1) * 256 + n]!;
      const pl = lo[(k - 1) * 256 + n]!;
      const idx = pl & 0xff;
      lo[k * 256 + n] = (((pl >>> 8) | (ph << 24)) ^ lo[idx]!) >>> 0;
      hi[k * 256 + n] = ((ph >>> 8) ^ hi[idx]!) >>> 0;
    }
  }
  return { hi, lo };
}

/** The CRC-64/NVME register as two unsigned 32-bit halves. */
export interface Crc64State {
  hi: number;
  lo: number;
}

/** CRC-64/NVME: `init()`, then `update` in place, then `final` gives the 8 big-endian bytes. */
export const crc64nvme = {
  init: (): Crc64State => ({ hi: 0xffffffff, lo: 0xffffffff }),
  update(state: Crc64State, data: Uint8Array): void {
    if (!t64) t64 = tables64();
    const { hi: th, lo: tl } = t64;
    let h = state.hi;
    let l = state.lo;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    while (i < end8) {
      const al = l ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const ah = h ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i7 = 1792 + (al & 0xff);
      const i6 = 1536 + ((al >>> 8) & 0xff);
      const i5 = 1280 + ((al >>> 16) & 0xff);
      const i4 = 1024 + (al >>> 24);
      const i3 = 768 + (ah & 0xff);
      const i2 = 512 + ((ah >>> 8) & 0xff);
      const i1 = 256 + ((ah >>> 16) & 0xff);
      const i0 = ah >>> 24;
      l = tl[i7]! ^ tl[i6]! ^ tl[i5]! ^ tl[i4]! ^ tl[i3]! ^ tl[i2]! ^ tl[i1]! ^ tl[i0]!;
      h = th[i7]! ^ th[i6]! ^ th[i5]! ^ th[i4]! ^ th[i3]! ^ th[i2]! ^ th[i1]! ^ th[i0]!;
      i += 8;
    }
    for (; i < data.length; i++) {
      const idx = (l ^ data[i]!) & 0xff;
      l = ((l >>> 8) | (h << 24)) ^ tl[idx]!;
      h = (h >>> 8) ^ th[idx]!;
    }
    state.hi = h >>> 0;
    state.lo = l >>> 0;
  },
  final(state: Crc64State): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, (state.hi ^ 0xffffffff) >>> 0);
    view.setUint32(4, (state.lo ^ 0xffffffff) >>> 0);
    return out;
  },
};
