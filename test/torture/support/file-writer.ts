/**
 * Child of file-crash.test.ts: writes, overwrites and deletes self-describing versions of a few keys
 * on the file port until it is killed, `lanes` operations at a time (never two on one key). Before
 * each operation it reports its intent, after it the acknowledgement.
 */
import { fileStorage } from '../../../src/storage/file/file.js';
import { childArgument, report } from './file-protocol.js';
import { randomSize, versionBody } from './file-versions.js';

const { root, keys, gen, lanes } = childArgument<{
  root: string;
  keys: string[];
  gen: number;
  lanes: number;
}>();
const port = fileStorage(root);
let next = gen;
const busy = new Set<string>();

async function lane(): Promise<void> {
  for (;;) {
    const free = keys.filter((k) => !busy.has(k));
    const key = free[Math.floor(Math.random() * free.length)]!;
    busy.add(key);
    const g = next++;
    const op = Math.random() < 0.15 ? 'delete' : 'put';
    report({ t: 'intent', key, op, gen: g });
    if (op === 'put') await port.put(key, versionBody(key, g, randomSize()));
    else await port.delete(key);
    report({ t: 'ack', key, op, gen: g });
    busy.delete(key);
  }
}

report({ t: 'ready' });
await Promise.all(Array.from({ length: lanes }, lane)).catch((err: unknown) => {
  report({ t: 'error', message: String(err), code: (err as { code?: string }).code ?? 'untyped' });
  process.exit(1);
});
