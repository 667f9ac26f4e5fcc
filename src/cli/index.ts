import { parseArgs } from 'node:util';
import { BucketkitError } from '../errors.js';
import { datasetsCommand } from './datasets-commands.js';
import { deltaCommand } from './delta-commands.js';
import { err, pickCommand } from './output.js';
import { serveCommand } from './serve-commands.js';
import { type CommandArgs, caps, get, ls, put, rm, stat, UsageError } from './storage-commands.js';

const COMMANDS: Record<string, (args: CommandArgs) => Promise<void>> = { ls, put, get, stat, rm, caps };

/**
 * Command groups (`bucketkit datasets ...`, `bucketkit serve ...`): each parses its own arguments and
 * returns the exit code. A module's CLI lives in `src/cli/<group>-commands.ts` and is registered here.
 */
const GROUPS: Record<string, (argv: string[]) => Promise<number>> = {
  datasets: datasetsCommand,
  delta: deltaCommand,
  serve: serveCommand,
};

const HELP = `bucketkit — one storage contract over S3 or a local folder

usage: bucketkit COMMAND URL [args]

  ls URL [--prefix P] [--delimiter /]   list keys
  put URL KEY [FILE] [--if-none-match]  upload FILE (or stdin)
  get URL KEY [FILE]                    download to FILE (or stdout)
  stat URL KEY                          show an object's info
  rm URL KEY...                         delete keys
  caps URL                              what the storage supports

  datasets COMMAND ...                  numbered datapoints in TAR dataranges (bucketkit datasets --help)
  delta COMMAND ...                     delta-compressed artifacts (bucketkit delta --help)
  serve --storage URL [--port N]        an S3-compatible gateway over the storage (bucketkit serve --help)

URL: memory://name · file://./dir · s3://KEY:SECRET@bucket/prefix?region=R · http://KEY:SECRET@host:port/bucket/prefix`;

async function main(argv: string[]): Promise<number> {
  const group = argv[0] === undefined ? undefined : GROUPS[argv[0]];
  if (group) return group(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      prefix: { type: 'string' },
      delimiter: { type: 'string' },
      'content-type': { type: 'string' },
      'if-none-match': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...rest] = positionals;
  const command = pickCommand('', name, values.help, COMMANDS, HELP);
  if (typeof command === 'number') return command;
  await command({
    positionals: rest,
    values: { ...values, contentType: values['content-type'], ifNoneMatch: values['if-none-match'] },
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) err(`usage: bucketkit ${error.message}`);
    else if (BucketkitError.is(error)) err(`bucketkit: ${error.message}`);
    else err(`bucketkit: unexpected error: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
