/**
 * `bucketkit datasets ...`: datas3t's datasets from the command line. Data goes to stdout (or a
 * FILE), diagnostics and progress to stderr; progress only on a TTY or with `--progress`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import {
  type AggregateStep,
  aggregate,
  coverage,
  type Dataset,
  datasets,
  findDatasets,
  gc,
  get,
  importDataset,
  optimize,
  range,
  removeDataranges,
  uploadTarStream,
  writeTar,
} from '../datasets/index.js';
import { BucketkitError } from '../errors.js';
import { chunksOf, connect, type StoragePort } from '../storage/index.js';
import { readableFile } from './local-files.js';
import { err, humanBytes, out, PROGRESS_OPTIONS, parseOptions, UsageError } from './output.js';
import { type Progress, progressMeter } from './progress.js';

const HELP = `bucketkit datasets — numbered datapoints in TAR dataranges (datas3t's format)

usage: bucketkit datasets COMMAND URL [args] [--progress | --no-progress]

  create URL NAME                       create an empty dataset
  ls URL [NAME]                         list datasets, or one dataset's dataranges and gaps
  upload URL NAME [FILE] [--last N]     upload a TAR (FILE or stdin) as one datarange
  get URL NAME N [FILE]                 one datapoint's content (stdout without FILE)
  range URL NAME FROM TO [FILE]         datapoints FROM..TO as a TAR (stdout without FILE)
  cat URL NAME FROM TO                  datapoints' contents one after another (.gz unpacked)
  aggregate URL NAME FROM TO            merge the dataranges covering FROM..TO into one
  optimize URL NAME [--dry-run]         aggregate small dataranges by size tiers
  import URL [NAME]                     adopt dataranges found in the bucket
  gc URL NAME [--grace SECONDS]         remove abandoned or expired uploads and unreferenced objects
  rm-range URL NAME FROM TO             remove the dataranges within FROM..TO (whole dataranges)
  rm URL NAME                           delete an empty dataset`;

type Values = {
  progress?: boolean;
  'no-progress'?: boolean;
  'dry-run'?: boolean;
  last?: string;
  grace?: string;
  help?: boolean;
};
type Run = (port: StoragePort, args: string[], values: Values) => Promise<void>;

class Usage extends Error {}

const COMMANDS: Record<string, { usage: string; min: number; run: Run }> = {
  create: {
    usage: 'create URL NAME',
    min: 1,
    run: async (port, [name]) => {
      await datasets(port).create(name!);
      out(`created ${name}`);
    },
  },
  ls: {
    usage: 'ls URL [NAME]',
    min: 0,
    run: async (port, [name]) => {
      if (!name) {
        for (const d of await datasets(port).list()) {
          const span = d.first === undefined ? '-' : `${d.first}..${d.last}`;
          out(
            `${d.name}\t${d.dataranges} dataranges\t${d.datapoints} datapoints\t${span}\t${humanBytes(d.bytes)}`,
          );
        }
        return;
      }
      const ds = datasets(port).open(name);
      for (const r of (await ds.manifest({ fresh: true })).dataranges) {
        out(`${r.first}..${r.last}\t${humanBytes(r.size)}\t${r.key}`);
      }
      for (const g of (await coverage(ds)).gaps) err(`gap ${g.first}..${g.last}`);
    },
  },
  upload: {
    usage: 'upload URL NAME [FILE] [--last N]',
    min: 1,
    run: async (port, [name, file], values) => {
      const fromFile = file !== undefined && file !== '-';
      const total = fromFile ? await readableFile(file) : undefined;
      const show = progressMeter('upload', values);
      const source = fromFile ? createReadStream(file) : process.stdin;
      let loaded = 0;
      async function* counted() {
        for await (const chunk of chunksOf(Readable.toWeb(source) as ReadableStream<Uint8Array>)) {
          loaded += chunk.byteLength;
          show(loaded, total);
          yield chunk;
        }
      }
      const r = await uploadTarStream(datasets(port).open(name!), counted(), {
        ...(values.last ? { last: BigInt(number(values.last, '--last')) } : {}),
      });
      show.end();
      out(`${r.first}..${r.last}\t${humanBytes(r.size)}\t${r.key}`);
    },
  },
  get: {
    usage: 'get URL NAME N [FILE]',
    min: 2,
    run: async (port, [name, n, file]) => {
      const body = await get(datasets(port).open(name!), number(n!, 'N'));
      await write(
        file,
        (async function* () {
          yield body;
        })(),
      );
    },
  },
  range: {
    usage: 'range URL NAME FROM TO [FILE]',
    min: 3,
    run: async (port, [name, from, to, file], values) => {
      const ds = datasets(port).open(name!);
      await reportGaps(ds, number(from!, 'FROM'), number(to!, 'TO'));
      const show = progressMeter('download', values);
      let loaded = 0;
      async function* counted() {
        for await (const chunk of writeTar(range(ds, number(from!, 'FROM'), number(to!, 'TO')))) {
          loaded += chunk.byteLength;
          show(loaded);
          yield chunk;
        }
      }
      await write(file, counted());
      show.end();
    },
  },
  cat: {
    usage: 'cat URL NAME FROM TO',
    min: 3,
    run: async (port, [name, from, to]) => {
      const ds = datasets(port).open(name!);
      await reportGaps(ds, number(from!, 'FROM'), number(to!, 'TO'));
      async function* bodies() {
        for await (const p of range(ds, number(from!, 'FROM'), number(to!, 'TO'))) {
          yield p.name.endsWith('.gz') ? new Uint8Array(gunzipSync(p.body)) : p.body;
        }
      }
      await write(undefined, bodies());
    },
  },
  aggregate: {
    usage: 'aggregate URL NAME FROM TO',
    min: 3,
    run: async (port, [name, from, to], values) => {
      const show = progressMeter('aggregate', values);
      const result = await aggregate(datasets(port).open(name!), number(from!, 'FROM'), number(to!, 'TO'), {
        onStep: aggregateSteps(show),
      });
      show.end();
      const { datarange: r, copiedBytes, uploadedBytes } = result;
      out(
        `${r.first}..${r.last}\t${humanBytes(r.size)}\t${r.key}\tfrom ${result.sources.length} dataranges\t` +
          `copied server-side ${humanBytes(copiedBytes)}, through this machine ${humanBytes(uploadedBytes)}`,
      );
    },
  },
  optimize: {
    usage: 'optimize URL NAME [--dry-run]',
    min: 1,
    run: async (port, [name], values) => {
      const show = progressMeter('aggregate', values);
      const { plan } = await optimize(datasets(port).open(name!), {
        dryRun: values['dry-run'] === true,
        onStep: (
          (steps) => (_op: unknown, s: AggregateStep) =>
            steps(s)
        )(aggregateSteps(show)),
      });
      show.end();
      if (plan.length === 0) out('nothing to aggregate');
      for (const op of plan) {
        out(
          `${values['dry-run'] ? 'would aggregate' : 'aggregated'} ${op.first}..${op.last}\t${op.dataranges} dataranges\t${humanBytes(op.bytes)}\t${op.tier}`,
        );
      }
    },
  },
  import: {
    usage: 'import URL [NAME]',
    min: 0,
    run: async (port, [name]) => {
      for (const n of name ? [name] : await findDatasets(port)) {
        const result = await importDataset(port, n);
        out(`${n}\timported ${result.imported.length}\talready known ${result.known}`);
      }
    },
  },
  gc: {
    usage: 'gc URL NAME [--grace SECONDS] [--dry-run]',
    min: 1,
    run: async (port, [name], values) => {
      const result = await gc(datasets(port).open(name!), {
        ...(values.grace ? { graceMs: Number(number(values.grace, '--grace')) * 1000 } : {}),
        dryRun: values['dry-run'] === true,
      });
      for (const key of result.deleted) out(`${values['dry-run'] ? 'would delete' : 'deleted'} ${key}`);
      out(`${result.expired.length} expired reservations, ${result.aborted} multipart uploads aborted`);
    },
  },
  'rm-range': {
    usage: 'rm-range URL NAME FROM TO',
    min: 3,
    run: async (port, [name, from, to]) => {
      const { removed, leftovers } = await removeDataranges(
        datasets(port).open(name!),
        number(from!, 'FROM'),
        number(to!, 'TO'),
      );
      for (const r of removed) out(`removed ${r.first}..${r.last}\t${humanBytes(r.size)}\t${r.key}`);
      const points = removed.reduce((sum, r) => sum + (r.last - r.first + 1n), 0n);
      out(`removed ${removed.length} dataranges, ${points} datapoints`);
      if (leftovers.length > 0)
        err(`${leftovers.length} objects were not deleted now; datasets gc deletes them later`);
    },
  },
  rm: {
    usage: 'rm URL NAME',
    min: 1,
    run: async (port, [name]) => {
      await datasets(port).delete(name!);
      out(`deleted ${name}`);
    },
  },
};

/**
 * Runs `bucketkit datasets ARGS...` and returns the exit code (0 ok, 1 failed, 2 bad usage).
 *
 * @example
 * ```ts
 * process.exitCode = await datasetsCommand(['ls', 'file://./data']);
 * ```
 */
export async function datasetsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    {
      ...PROGRESS_OPTIONS,
      'dry-run': { type: 'boolean' },
      last: { type: 'string' },
      grace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'datasets ',
  );
  const [name, url, ...rest] = positionals;
  const command = name === undefined || !Object.hasOwn(COMMANDS, name) ? undefined : COMMANDS[name];
  if (name !== undefined && !command) {
    throw new UsageError(
      `bucketkit: unknown datasets command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')} (bucketkit datasets --help)`,
    );
  }
  if (!command || values.help) {
    (values.help ? out : err)(HELP);
    return values.help ? 0 : 2;
  }
  if (!url || rest.length < command.min) {
    err(`usage: bucketkit datasets ${command.usage}`);
    return 2;
  }
  const port = connect(url);
  try {
    await command.run(port, rest, values);
    return 0;
  } catch (error) {
    if (error instanceof Usage) {
      err(`usage: bucketkit datasets ${command.usage}: ${error.message}`);
      return 2;
    }
    if (!BucketkitError.is(error)) throw error;
    err(`bucketkit: ${error.message}`);
    return 1;
  } finally {
    await port.close?.();
  }
}

/** Bytes aggregated so far, from aggregate()'s steps, into a progress display. */
function aggregateSteps(show: Progress): (step: AggregateStep) => void {
  let total = 0;
  let done = 0;
  return (step) => {
    if (step.step === 'reserved') {
      total += step.bytes;
      show(done, total);
    }
    if (step.step === 'part') {
      done += step.bytes;
      show(done, total);
    }
    if (step.step === 'uploaded') {
      done = total; // every aggregation reserved so far is written
      show(done, total);
    }
  };
}

function number(text: string, what: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new Usage(`${what} must be a datapoint number, got "${text}"`);
  return BigInt(text);
}

/** Missing datapoints within `from..to`, on stderr: gaps are reported, never hidden. */
async function reportGaps(ds: Dataset, from: bigint, to: bigint): Promise<void> {
  let next = from;
  for (const run of (await coverage(ds)).present) {
    const a = run.first > from ? run.first : from;
    const b = run.last < to ? run.last : to;
    if (a > b) continue;
    if (a > next) err(`gap ${next}..${a - 1n}`);
    next = b + 1n;
  }
  if (next <= to) err(`gap ${next}..${to}`);
}

async function write(file: string | undefined, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const target = file && file !== '-' ? createWriteStream(file) : process.stdout;
  await pipeline(Readable.from(chunks), target as Writable);
}
