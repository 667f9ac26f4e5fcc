import { bkError } from '../errors.js';
import { cauchyParity, invert, type Matrix, matrix } from './gf.js';
import { type GfKernel, plainArena, type ShardArena } from './kernel.js';
import { defaultKernel } from './kernels.js';

export interface CodecOptions {
  /** Data shards k (≥ 1). */
  dataShards: number;
  /** Parity shards m (≥ 1); k + m ≤ 256. Any m shards may be lost. */
  parityShards: number;
  /** The GF kernel; by default WebAssembly SIMD where the runtime has it, else TypeScript. */
  kernel?: GfKernel;
}

/** Systematic Reed-Solomon over GF(2^8): shards 0..k-1 are the data as is, k..k+m-1 the parity. */
export interface ErasureCodec {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly kernel: string;
  /** Computes the m parity shards of k equally sized data shards (into `parity` when given). */
  encode(data: Uint8Array[], parity?: Uint8Array[]): Uint8Array[];
  /**
   * Fills in the missing shards (`undefined` entries) of a k + m array in place, from any k present
   * ones, and returns it. Throws `Corrupt` when fewer than k shards are present. With `valid` flags,
   * every entry is a buffer and the ones flagged false are overwritten (no allocation).
   */
  reconstruct(shards: (Uint8Array | undefined)[], valid?: boolean[]): Uint8Array[];
  /** True when the parity shards match the data shards. */
  verify(shards: Uint8Array[]): boolean;
  /**
   * `count` buffers of `size` bytes in the kernel's own memory (WebAssembly linear memory), where
   * encode and reconstruct work without copying shards in and out: fill the data shards in place, encode
   * into parity shards from the same arena, and `release()` when done. Ordinary buffers work too, with a
   * copy. The views are never detached while the arena is held; one operation at a time per arena.
   *
   * @example
   * ```ts
   * const arena = rs.allocate(6, 1 << 20);
   * const [data, parity] = [arena.shards.slice(0, 4), arena.shards.slice(4)];
   * // …read the data into `data`…
   * rs.encode(data, parity);
   * arena.release();
   * ```
   */
  allocate(count: number, size: number): ShardArena;
}

/**
 * Creates a Reed-Solomon codec.
 *
 * @example
 * ```ts
 * const rs = createCodec({ dataShards: 4, parityShards: 2 });
 * const parity = rs.encode(dataShards);
 * const whole = rs.reconstruct([data[0], undefined, data[2], data[3], parity[0], undefined]);
 * ```
 */
export function createCodec(options: CodecOptions): ErasureCodec {
  const k = options.dataShards;
  const m = options.parityShards;
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 1 || k + m > 256) {
    throw bkError(
      'InvalidArgument',
      `need integers dataShards ≥ 1, parityShards ≥ 1, sum ≤ 256 (got ${k}+${m})`,
    );
  }
  const kernel = options.kernel ?? defaultKernel();
  const parityRows = cauchyParity(k, m);
  const decoders = new Map<string, Matrix>();

  const sizeOf = (shards: (Uint8Array | undefined)[]) => {
    const size = shards.find((s) => s !== undefined)?.byteLength ?? 0;
    for (const shard of shards) {
      if (shard && shard.byteLength !== size) {
        throw bkError(
          'InvalidArgument',
          `all shards must have the same size (${size} and ${shard.byteLength})`,
        );
      }
    }
    return size;
  };

  const encode = (data: Uint8Array[], parity?: Uint8Array[]): Uint8Array[] => {
    if (data.length !== k)
      throw bkError('InvalidArgument', `encode takes ${k} data shards, got ${data.length}`);
    const size = sizeOf(data);
    const out = parity ?? Array.from({ length: m }, () => new Uint8Array(size));
    if (out.length !== m || sizeOf([...data, ...out]) !== size) {
      throw bkError('InvalidArgument', `encode writes ${m} parity shards of ${size} bytes`);
    }
    kernel.mulMatrix(parityRows.data, data, out, size);
    return out;
  };

  /** Rows of the inverse that rebuild data from the chosen present shards, cached per loss pattern. */
  const decoderFor = (chosen: number[]): Matrix => {
    const id = chosen.join(',');
    let inverse = decoders.get(id);
    if (!inverse) {
      const sub = matrix(k, k);
      chosen.forEach((shard, row) => {
        if (shard < k) sub.data[row * k + shard] = 1;
        else sub.data.set(parityRows.data.subarray((shard - k) * k, (shard - k + 1) * k), row * k);
      });
      inverse = invert(sub);
      if (decoders.size > 1024) decoders.clear();
      decoders.set(id, inverse);
    }
    return inverse;
  };

  const reconstruct = (shards: (Uint8Array | undefined)[], valid?: boolean[]): Uint8Array[] => {
    if (shards.length !== k + m) {
      throw bkError('InvalidArgument', `reconstruct takes ${k + m} shards, got ${shards.length}`);
    }
    // with `valid`, every shard is allocated and the invalid ones are overwritten in place
    const isPresent = (i: number) => (valid ? valid[i] === true : shards[i] !== undefined);
    if (valid && shards.some((s) => !s)) {
      throw bkError('InvalidArgument', 'with `valid` flags every shard buffer must be given');
    }
    const present = range(k + m).filter(isPresent);
    if (present.length < k) {
      throw bkError(
        'Corrupt',
        `only ${present.length} of ${k + m} shards are left; ${k} are needed to rebuild`,
      );
    }
    const size = sizeOf(shards);
    const target = (i: number) => (valid ? shards[i]! : new Uint8Array(size));
    const missingData = range(k).filter((i) => !isPresent(i));
    if (missingData.length > 0) {
      const chosen = present.slice(0, k);
      const inverse = decoderFor(chosen);
      const rows = new Uint8Array(missingData.length * k);
      missingData.forEach((shard, r) => {
        rows.set(inverse.data.subarray(shard * k, (shard + 1) * k), r * k);
      });
      const outputs = missingData.map(target);
      kernel.mulMatrix(
        rows,
        chosen.map((i) => shards[i]!),
        outputs,
        size,
      );
      missingData.forEach((shard, r) => {
        shards[shard] = outputs[r];
      });
    }
    const missingParity = range(m).filter((p) => !isPresent(k + p));
    if (missingParity.length > 0) {
      const rows = new Uint8Array(missingParity.length * k);
      missingParity.forEach((p, r) => {
        rows.set(parityRows.data.subarray(p * k, (p + 1) * k), r * k);
      });
      const outputs = missingParity.map((p) => target(k + p));
      kernel.mulMatrix(rows, shards.slice(0, k) as Uint8Array[], outputs, size);
      missingParity.forEach((p, r) => {
        shards[k + p] = outputs[r];
      });
    }
    return shards as Uint8Array[];
  };

  const verify = (shards: Uint8Array[]): boolean => {
    const expected = encode(shards.slice(0, k));
    return expected.every((parity, p) => equalBytes(parity, shards[k + p]!));
  };

  const allocate = (count: number, size: number): ShardArena => {
    if (!Number.isInteger(count) || !Number.isInteger(size) || count < 0 || size < 0) {
      throw bkError('InvalidArgument', `allocate takes a count and a size ≥ 0 (got ${count}, ${size})`);
    }
    return kernel.allocate ? kernel.allocate(count, size) : plainArena(count, size);
  };

  return { dataShards: k, parityShards: m, kernel: kernel.name, encode, reconstruct, verify, allocate };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
