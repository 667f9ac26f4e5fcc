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
  if (!name || help) {
    out(usage);
    return name || help ? 0 : 2;
  }
  if (!Object.hasOwn(commands, name)) {
    err(`unknown ${group}command "${name}"\n\n${usage}`);
    return 2;
  }
  return commands[name] as C;
}
