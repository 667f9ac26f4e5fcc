import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The CLI's one output layer: data to stdout, diagnostics to stderr. */
export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
export const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Formats a byte count for people. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The command that `name` picks from a group, or the exit code when it picks none: the usage on stdout for
 * `--help` (0) or no command (2), an "unknown command" message on stderr otherwise (2).
 *
 * @example
 * ```ts
 * const command = pickCommand('delta ', name, values.help, COMMANDS, HELP);
 * if (typeof command === 'number') return command;
 * ```
 */
export function pickCommand<C>(
  group: string,
  name: string | undefined,
  help: boolean | undefined,
  commands: Record<string, C>,
  usage: string,
): C | number {
  if (name && !Object.hasOwn(commands, name)) {
    err(
      `bucketkit: unknown ${group}command "${name}"; the commands are ${Object.keys(commands).join(', ')} (bucketkit ${group}--help)`,
    );
    return 2;
  }
  if (!name || help) {
    (help ? out : err)(usage);
    return help ? 0 : 2;
  }
  return commands[name] as C;
}

/**
 * Wrong usage: the CLI prints `usage: bucketkit <message>` (or the message alone when it starts with
 * `bucketkit`) as one line and exits 2.
 */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with positionals allowed, whose complaints (an unknown option, a missing value) are one-line
 * `UsageError`s naming the group's help instead of `TypeError [ERR_PARSE_ARGS_...]` stacks.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseOptions(argv, { json: { type: 'boolean' } }, 'delta ');
 * ```
 */
export function parseOptions<T extends Options>(argv: string[], options: T, group = '') {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // "Unknown option '--x'. To specify a positional argument starting with a '-', place it ..." → the first sentence
    const first = message.split(/\.\s/)[0]!.replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`bucketkit: ${first} (bucketkit ${group}--help lists the options)`);
  }
}

/**
 * `--progress` / `--no-progress`, for every command that moves data: both flags are accepted everywhere;
 * without either, progress shows when stderr is a terminal.
 */
export const PROGRESS_OPTIONS = {
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;
