/**
 * The default instruction code table of RFC 3284 §5.6: each opcode byte stands for one or two
 * (instruction, size, mode) triples; size 0 means the size follows as an integer.
 */

export const NOOP = 0;
export const ADD = 1;
export const RUN = 2;
export const COPY = 3;

/** Address modes of the default cache: 0 SELF, 1 HERE, 2..5 NEAR, 6..8 SAME. */
export const MODE_COUNT = 9;

export interface CodeTable {
  inst1: Uint8Array;
  size1: Uint8Array;
  mode1: Uint8Array;
  inst2: Uint8Array;
  size2: Uint8Array;
  mode2: Uint8Array;
}

function buildDefaultTable(): CodeTable {
  const t: CodeTable = {
    inst1: new Uint8Array(256),
    size1: new Uint8Array(256),
    mode1: new Uint8Array(256),
    inst2: new Uint8Array(256),
    size2: new Uint8Array(256),
    mode2: new Uint8Array(256),
  };
  let op = 0;
  const set = (i1: number, s1: number, m1: number, i2 = NOOP, s2 = 0, m2 = 0) => {
    t.inst1[op] = i1;
    t.size1[op] = s1;
    t.mode1[op] = m1;
    t.inst2[op] = i2;
    t.size2[op] = s2;
    t.mode2[op] = m2;
    op++;
  };
  set(RUN, 0, 0);
  for (let size = 0; size <= 17; size++) set(ADD, size, 0);
  for (let mode = 0; mode < MODE_COUNT; mode++) {
    set(COPY, 0, mode);
    for (let size = 4; size <= 18; size++) set(COPY, size, mode);
  }
  for (let mode = 0; mode <= 5; mode++) {
    for (let add = 1; add <= 4; add++)
      for (let copy = 4; copy <= 6; copy++) set(ADD, add, 0, COPY, copy, mode);
  }
  for (let mode = 6; mode < MODE_COUNT; mode++) {
    for (let add = 1; add <= 4; add++) set(ADD, add, 0, COPY, 4, mode);
  }
  for (let mode = 0; mode < MODE_COUNT; mode++) set(COPY, 4, mode, ADD, 1, 0);
  return t;
}

/** The RFC 3284 default code table. */
export const DEFAULT_CODE_TABLE: CodeTable = buildDefaultTable();

/** Opcodes to emit one or two instructions with the default table; -1 where none exists. */
export interface OpcodeIndex {
  /** `single(inst, size, mode)`: the opcode whose only instruction is that one (size 0 = explicit). */
  single(inst: number, size: number, mode: number): number;
  /** The opcode encoding `ADD addSize` then `COPY copySize mode`, or -1. */
  addCopy(addSize: number, copySize: number, mode: number): number;
  /** The opcode encoding `COPY copySize mode` then `ADD addSize`, or -1. */
  copyAdd(copySize: number, mode: number, addSize: number): number;
}

function buildOpcodeIndex(t: CodeTable): OpcodeIndex {
  const singles = new Map<number, number>();
  const pairs = new Map<number, number>();
  const key = (i1: number, s1: number, m1: number, i2: number, s2: number, m2: number) =>
    ((((i1 * 256 + s1) * 16 + m1) * 4 + i2) * 256 + s2) * 16 + m2;
  for (let op = 255; op >= 0; op--) {
    const k = key(
      t.inst1[op] as number,
      t.size1[op] as number,
      t.mode1[op] as number,
      t.inst2[op] as number,
      t.size2[op] as number,
      t.mode2[op] as number,
    );
    if (t.inst2[op] === NOOP) singles.set(k, op);
    else pairs.set(k, op);
  }
  return {
    single: (inst, size, mode) => (size > 255 ? -1 : (singles.get(key(inst, size, mode, NOOP, 0, 0)) ?? -1)),
    addCopy: (addSize, copySize, mode) =>
      addSize > 255 || copySize > 255 ? -1 : (pairs.get(key(ADD, addSize, 0, COPY, copySize, mode)) ?? -1),
    copyAdd: (copySize, mode, addSize) =>
      addSize > 255 || copySize > 255 ? -1 : (pairs.get(key(COPY, copySize, mode, ADD, addSize, 0)) ?? -1),
  };
}

/** Opcode lookups for the default table, used by the encoder. */
export const DEFAULT_OPCODES: OpcodeIndex = buildOpcodeIndex(DEFAULT_CODE_TABLE);
