import { BucketkitError } from '../errors.js';
import { datasetsCommand } from './datasets-commands.js';
import { dbCommand } from './db-commands.js';
import { deltaCommand } from './delta-commands.js';
import { erasureCommand } from './erasure-commands.js';
import { lakeCommand } from './lake-commands.js';
import { localError } from './local-files.js';
import { err, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';
import { serveCommand } from './serve-commands.js';
import { type CommandArgs, caps, get, ls, put, rm, stat } from './storage-commands.js';

// The AWS SDK prints a 9-line NodeVersionSupportWarning on Node 20 before every http/s3 command; the
// CLI's own output is the place for such news (package.json's engines say which Node lines we test).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMANDS: Record<string, (args: CommandArgs) => Promise<void>> = { ls, put, get, stat, rm, caps };

/**
 * Command groups (`bucketkit datasets ...`, `bucketkit serve ...`): each parses its own arguments and
 * returns the exit code. A module's CLI lives in `src/cli/<group>-commands.ts` and is registered here.
 */
const GROUPS: Record<string, (argv: string[]) => Promise<number>> = {
  datasets: datasetsCommand,
  db: dbCommand,
  delta: deltaCommand,
  erasure: erasureCommand,
  lake: lakeCommand,
  serve: serveCommand,
};

const HELP = `bucketkit — one storage contract over S3 or a local folder

usage: bucketkit COMMAND URL [args]

  ls URL [--prefix P] [--delimiter /]   list keys
  put URL KEY [FILE] [--if-none-match]  upload FILE (or stdin); --content-type T sets its Content-Type
  get URL KEY [FILE]                    download to FILE (or stdout)
  stat URL KEY                          show an object's info
  rm URL KEY...                         delete keys (says which were absent)
  caps URL                              what the storage supports

  datasets COMMAND ...                  numbered datapoints in TAR dataranges (bucketkit datasets --help)
  db COMMAND ...                        the document database: CRUD, query, export/import, MCP (bucketkit db --help)
  delta COMMAND ...                     delta-compressed artifacts (bucketkit delta --help)
  lake COMMAND ...                      logs, metrics and traces in a bucket (bucketkit lake --help)
  erasure COMMAND ...                   objects striped over several folders or buckets (bucketkit erasure --help)
  serve --storage URL [--port N]        an S3-compatible gateway over the storage (bucketkit serve --help)

--progress / --no-progress: a progress line on stderr (default: on a terminal, for moves over 8 MiB or
100 objects). Exit codes: 0 done, 1 failed (one line: the error's code and what to do), 2 wrong usage.

URL: memory://name · file://./dir · s3://KEY:SECRET@bucket/prefix?region=R · http://KEY:SECRET@host:port/bucket/prefix`;

async function main(argv: string[]): Promise<number> {
  const group = argv[0] === undefined ? undefined : GROUPS[argv[0]];
  if (group) return group(argv.slice(1));
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !Object.hasOwn(COMMANDS, first)) {
    throw new UsageError(
      `bucketkit: unknown command "${first}"; the commands are ${Object.keys(COMMANDS).join(', ')} and the groups ${Object.keys(GROUPS).join(', ')} (bucketkit --help)`,
    );
  }
  const { positionals, values } = parseOptions(argv, {
    prefix: { type: 'string' },
    delimiter: { type: 'string' },
    'content-type': { type: 'string' },
    'if-none-match': { type: 'boolean' },
    ...PROGRESS_OPTIONS,
    help: { type: 'boolean', short: 'h' },
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

/**
 * One line on stderr for every failure, never a stack: usage errors (exit 2), bucketkit errors and
 * local file errors (exit 1). A stack only for a bug, and only with BUCKETKIT_DEBUG=1.
 */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    err(error.message.startsWith('bucketkit') ? error.message : `usage: bucketkit ${error.message}`);
    return 2;
  }
  const known = BucketkitError.is(error) ? error : localError(error);
  if (known) {
    err(`bucketkit: ${known.message.split('\n')[0]}`);
    return 1;
  }
  const debug = process.env.BUCKETKIT_DEBUG === '1';
  const text = error instanceof Error ? (debug ? error.stack : error.message) : String(error);
  err(
    `bucketkit: unexpected error: ${text}${debug ? '' : ' (BUCKETKIT_DEBUG=1 shows the stack; please report it)'}`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
