/**
 * `bucketkit erasure ...`: objects striped with Reed-Solomon coding over a set of folders or buckets,
 * given as one comma-separated argument (`./d0,./d1,./d2,./d3` or storage URLs).
 */
import { type ErasurePort, erasure, heal } from '../erasure/index.js';
import { BucketkitError } from '../errors.js';
import { connect, type StoragePort } from '../storage/index.js';
import { requireFolder } from './local-files.js';
import { err, humanBytes, out, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';
import { progressMeter } from './progress.js';
import { downloadTo, uploadFrom } from './storage-commands.js';

const HELP = `bucketkit erasure — objects striped over several folders or buckets (Reed-Solomon)

usage: bucketkit erasure COMMAND SET [args] [--parity N] [--progress]

SET is one argument: folders or storage URLs separated by commas, e.g. ./d0,./d1,./d2,./d3 or
file:///disk1/bk,file:///disk2/bk,http://KEY:SECRET@host:9000/bucket. --parity N (default 2) ports may
fail; give the same SET and --parity every time.

  put SET KEY [FILE]     store FILE (or stdin) as KEY
  get SET KEY [FILE]     read KEY (rebuilt from the other ports if some fail) to FILE (or stdout)
  heal SET               verify every object, rebuild missing or damaged shards and manifests
  status SET             which ports answer, and how many objects each holds`;

type Values = { parity?: string; progress?: boolean; 'no-progress'?: boolean };
type Command = (set: StoragePort[], urls: string[], args: string[], values: Values) => Promise<number>;

/** A member of a SET: a URL as it is, a plain path as a folder. */
function urlOf(member: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(member) ? member : `file://${member}`;
}

function open(set: StoragePort[], values: Values): ErasurePort {
  const parity = values.parity === undefined ? 2 : Number(values.parity);
  if (!Number.isInteger(parity) || parity < 1 || parity >= set.length) {
    throw new UsageError(
      `bucketkit: --parity must be a whole number from 1 to ${set.length - 1} for a set of ${set.length}`,
    );
  }
  return erasure(set, { parity });
}

function need(args: string[], count: number, usage: string): string[] {
  if (args.length < count) throw new UsageError(`erasure ${usage}`);
  return args;
}

const COMMANDS: Record<string, Command> = {
  async put(set, _urls, args, values) {
    const [key, file] = need(args, 1, 'put SET KEY [FILE]');
    const port = open(set, values);
    try {
      const result = await uploadFrom(port, key!, file, values);
      out(`${key}  ${humanBytes(result.size)}  etag ${result.etag}  ${port.name.split(':')[0]}`);
    } finally {
      await port.close();
    }
    return 0;
  },
  async get(set, _urls, args, values) {
    const [key, file] = need(args, 1, 'get SET KEY [FILE]');
    const port = open(set, values);
    try {
      await downloadTo(port, key!, file, values);
    } finally {
      await port.close();
    }
    return 0;
  },
  async heal(set, _urls, _args, values) {
    const port = open(set, values);
    const show = progressMeter('heal', values, 'objects');
    try {
      const report = await heal(port, { onObject: (_key, done) => show(done) });
      show.end();
      out(
        `${report.objects} objects: ${report.shardsRebuilt} shards rebuilt, ${report.manifestsRepaired} manifests repaired, ` +
          `${report.corruptBlocks} corrupt blocks, ${report.orphansRemoved} orphans removed, ${report.tombstonesCleared} tombstones cleared`,
      );
      for (const key of report.unrecoverable)
        err(`unrecoverable: ${key} (fewer intact shards than data shards; restore it from a backup)`);
      return report.unrecoverable.length > 0 ? 1 : 0;
    } finally {
      await port.close();
    }
  },
  async status(set, urls, _args, values) {
    const port = open(set, values);
    let down = 0;
    for (const [i, member] of set.entries()) {
      try {
        await requireFolder(urls[i]!);
        let manifests = 0;
        // each object has a manifest at m/<key> on every port that took it (docs/erasure.md, layout)
        for await (const entry of member.list({ prefix: 'm/' })) if (entry.type === 'object') manifests++;
        out(`ok    ${shown(urls[i]!)}  ${manifests} objects`);
      } catch (error) {
        if (!BucketkitError.is(error)) throw error;
        down++;
        out(`down  ${shown(urls[i]!)}  ${error.message}`);
      }
    }
    const parity = port.codec.parityShards;
    out(
      `${port.codec.dataShards}+${parity}: ${down} of ${set.length} ports down, ${parity} may fail` +
        (down > 0 && down <= parity ? '; reads still work, run heal after replacing them' : ''),
    );
    await port.close();
    return down > parity ? 1 : 0;
  },
};

/** A URL without its secret. */
function shown(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * Runs `bucketkit erasure COMMAND SET ...` and returns the exit code.
 *
 * @example
 * ```ts
 * await erasureCommand(['put', './d0,./d1,./d2', 'a.bin', './a.bin', '--parity', '1']);
 * ```
 */
export async function erasureCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseOptions(
    argv,
    { parity: { type: 'string' }, ...PROGRESS_OPTIONS, help: { type: 'boolean', short: 'h' } },
    'erasure ',
  );
  const [name, set, ...rest] = positionals;
  const command = pickCommand('erasure ', name, values.help, COMMANDS, HELP);
  if (typeof command === 'number') return command;
  if (!set) throw new UsageError(`erasure ${name} SET ...  (SET: folders or URLs separated by commas)`);
  const urls = set
    .split(',')
    .filter((member) => member !== '')
    .map(urlOf);
  if (urls.length < 2) throw new UsageError('bucketkit: an erasure SET needs at least two folders or URLs');
  const ports = urls.map((url) => connect(url));
  try {
    return await command(ports, urls, rest, values);
  } finally {
    await Promise.all(ports.map((port) => port.close?.()));
  }
}
