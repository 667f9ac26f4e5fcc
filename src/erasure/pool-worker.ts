/**
 * The source of a pool worker, as a string for `new Worker(source, { eval: true })`: no file to locate
 * after bundling. It runs kernel.wat on a shared WebAssembly memory (byte ranges of one operation) and
 * keeps incremental MD5 sessions (ETags computed off the main thread).
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (task) => {
  try {
    let result;
    if (task.op === 'mul') {
      const instance = new WebAssembly.Instance(task.module, { env: { memory: task.memory } });
      instance.exports.mulMatrix(...task.args, task.from, task.to);
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
