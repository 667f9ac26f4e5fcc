/**
 * Child of cas-histories.test.ts: one writer's history of `n` compare-and-swap updates, each tagged
 * `<id>:<j>`, on a folder shared with other writers (and stale locks the parent plants). The file
 * family runs in `cas-file-child.ts`, which loads only the file port (so it starts fast).
 * - `db`: `update` of one record, incrementing `count` and appending the tag to `log`.
 * - `datasets`: uploads its own `n` dataranges into one dataset (each a manifest CAS, twice).
 * Reports `ack` after each update and `done` with its retry count; any other error is reported.
 */
import { datasets, uploadDatarange } from '../../../src/datasets/index.js';
import { Database } from '../../../src/db/index.js';
import { BucketkitError } from '../../../src/errors.js';
import { fileStorage } from '../../../src/storage/index.js';
import { datapoint, pointsOf } from './datasets-points.js';
import { childArgument, report } from './file-protocol.js';

interface CasArg {
  family: 'db' | 'datasets';
  root: string;
  /** The key (file), record id (db) or dataset name (datasets). */
  target: string;
  id: number;
  n: number;
}

const arg = childArgument<CasArg>();
const port = fileStorage(arg.root);

report({ t: 'ready' });
try {
  if (arg.family === 'db') {
    const db = await new Database({ storage: port }).connect();
    const counters = await db.createResource({
      name: 'counters',
      attributes: { count: 'number', log: 'array|items:string' },
      retries: 100_000,
    });
    for (let j = 1; j <= arg.n; j++) {
      await counters.update(arg.target, (c) => ({
        count: (c.count ?? 0) + 1,
        log: [...(c.log ?? []), `${arg.id}:${j}`],
      }));
      report({ t: 'ack', j });
    }
  } else {
    const ds = datasets(port, { cas: { maxAttempts: 100_000 } }).open(arg.target);
    for (let j = 1; j <= arg.n; j++) {
      await uploadDatarange(ds, pointsOf(arg.id, j).map(datapoint));
      report({ t: 'ack', j });
    }
  }
  report({ t: 'done' });
} catch (err) {
  report({ t: 'error', code: BucketkitError.is(err) ? err.code : 'untyped', message: String(err) });
  process.exit(1);
}
