/**
 * Child of cas-histories.test.ts, file family: writer `id` appends the tags `<id>:<j>`, j = 1..n, to
 * a JSON list held by one key of the file port (get, then put with `ifMatch`, retried on
 * `PreconditionFailed`), four updates in flight at a time. Reports `ack` after each update, `done`
 * with its retry count; any other error is reported. Only the file port is loaded (a fast start).
 */
import { BucketkitError } from '../../../src/errors.js';
import { fileStorage } from '../../../src/storage/file/file.js';
import { childArgument, report } from './file-protocol.js';

const arg = childArgument<{ root: string; target: string; id: number; n: number }>();
const port = fileStorage(arg.root);
let retries = 0;

async function fileIncrement(tag: string): Promise<void> {
  for (;;) {
    const current = await port.get(arg.target).catch((err: unknown) => {
      if (BucketkitError.is(err, 'NotFound')) return undefined;
      throw err;
    });
    const list = current ? (JSON.parse(await current.text()) as string[]) : [];
    try {
      await port.put(
        arg.target,
        JSON.stringify([...list, tag]),
        current ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
      );
      return;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
      retries++;
    }
  }
}

report({ t: 'ready' });
let next = 1;
const lane = async () => {
  for (let j = next++; j <= arg.n; j = next++) {
    await fileIncrement(`${arg.id}:${j}`);
    report({ t: 'ack', j });
  }
};
try {
  await Promise.all([lane(), lane(), lane(), lane()]);
  report({ t: 'done', retries });
} catch (err) {
  report({ t: 'error', code: BucketkitError.is(err) ? err.code : 'untyped', message: String(err) });
  process.exit(1);
}
