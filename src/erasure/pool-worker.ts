/** Instances of kernel.wat a worker keeps, one per shared arena, the least recently attached dropped first. */
export const KEPT_INSTANCES = 4;

/** One operation split into chunks that threads claim as they go (fields of a worker's `mul` task). */
export interface ChunkedRun {
  /** The operation's generation, in the high 16 bits of both control words. */
  gen: number;
  /** coef, k, m, ins, outs of kernel.wat's mulMatrix. */
  args: number[];
  /** Bytes per chunk (a multiple of 32) and the end of the range, which starts at 0. */
  step: number;
  end: number;
  chunks: number;
}

/**
 * Claims chunks of `run` until none is left and computes each: the calling thread and every worker run
 * this same loop, so a thread that starts late or runs slow on a busy core takes fewer chunks instead of
 * holding the others up. `control[0]` is gen << 16 | next chunk, `control[1]` gen << 16 | chunks done;
 * a task that comes after its operation finished sees another generation or no chunk left and stops.
 * Returns the number of chunks this thread computed. WORKER_SOURCE embeds this function's own text, so
 * it must use nothing but its arguments and globals.
 */
export function claimChunks(
  control: Int32Array,
  mulMatrix: (...args: number[]) => void,
  run: ChunkedRun,
): number {
  let computed = 0;
  for (;;) {
    const word = Atomics.load(control, 0);
    const chunk = word & 0xffff;
    if (word >>> 16 !== run.gen || chunk >= run.chunks) return computed;
    if (Atomics.compareExchange(control, 0, word, word + 1) !== word) continue;
    const from = chunk * run.step;
    mulMatrix(...run.args, from, Math.min(from + run.step, run.end));
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
    computed++;
  }
}

/**
 * The source of a pool worker, as a string for `new Worker(source, { eval: true })`: no file to locate
 * after bundling. It runs kernel.wat on a shared WebAssembly memory (chunks of one operation, claimed
 * as in claimChunks) and keeps incremental MD5 sessions (ETags computed off the main thread).
 *
 * A `mul` task names its arena by id; the first one for an arena also carries the module and the
 * memory, and the worker keeps that instance (up to KEPT_INSTANCES, evicted in the order they came, which
 * the pool mirrors), so later tasks post a few numbers instead of cloning a module and a memory and
 * instantiating them every time. `forget` drops an arena the caller has let go of.
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
const kernels = new Map();
const claimChunks = (${claimChunks.toString()});
function arena(task) {
  if (task.memory) {
    const instance = new WebAssembly.Instance(task.module, { env: { memory: task.memory } });
    const control = new Int32Array(task.memory.buffer, task.control, 2);
    kernels.delete(task.arena); // a re-attached arena goes to the end, as in the pool's mirror
    kernels.set(task.arena, { mulMatrix: instance.exports.mulMatrix, control });
    if (kernels.size > ${KEPT_INSTANCES}) kernels.delete(kernels.keys().next().value);
  }
  const kernel = kernels.get(task.arena);
  if (!kernel) throw new Error('arena ' + task.arena + ' is not attached to this worker');
  return kernel;
}
parentPort.on('message', (task) => {
  if (task.op === 'forget') return void kernels.delete(task.arena);
  try {
    let result;
    if (task.op === 'mul') {
      const kernel = arena(task);
      result = claimChunks(kernel.control, kernel.mulMatrix, task);
    } else if (task.op === 'md5') {
      let hash = hashes.get(task.session);
      if (!hash) hashes.set(task.session, (hash = createHash('md5')));
      for (const [offset, length] of task.ranges) hash.update(new Uint8Array(task.buffer, offset, length));
    } else if (task.op === 'digest') {
      result = (hashes.get(task.session) ?? createHash('md5')).digest('hex');
      hashes.delete(task.session);
    } else if (task.op === 'drop') {
      hashes.delete(task.session);
    }
    parentPort.postMessage({ id: task.id, result });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String((error && error.stack) || error) });
  }
});
`;
