/**
 * `bucketkit delta ...`: DeltaGlider-compatible delta storage from the shell. KEY is
 * `<prefix>/<file name>`; the prefix (up to the last `/`) is the DeltaSpace holding `reference.bin`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { DeltaSpace, deltaTreeStats, listDeltaTree, syncDirectory } from '../delta/index.js';
import { setLogger } from '../logger.js';
import { redactUrl, type StoragePort } from '../storage/index.js';
import { isRemote, openRemote, type RemoteFlags, remoteFile } from './delta-paths.js';
import { localError, readableFile } from './local-files.js';
import { err, humanBytes, out, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';
import { progressMeter } from './progress.js';

const HELP = `bucketkit delta — DeltaGlider-compatible delta storage (KEY = prefix/name)

usage: bucketkit delta COMMAND ... [--endpoint-url URL] [--region R] [--max-ratio R] [--progress | --no-progress]

A remote path is a connection string (http://KEY:SECRET@host:9000/bucket/dir/x.zip, file://./store/dir/x.zip)
or aws-cli style s3://bucket/dir/x.zip, with --endpoint-url/--region or AWS_ENDPOINT_URL, AWS_REGION,
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. The folder of a file is its DeltaSpace.

  cp FILE REMOTE/DIR/NAME                       upload
  cp REMOTE/DIR/NAME FILE                       download (FILE - for stdout)
  put URL KEY FILE                              store FILE as a delta (archives) or directly
  get URL KEY [FILE]                            rebuild, SHA-256-check and write FILE (or stdout)
  ls URL [PREFIX]                               files of every DeltaSpace below, original and stored sizes
  rm REMOTE/DIR/NAME... | rm URL KEY...         delete files (reference.bin goes with the last delta)
  sync DIR REMOTE/DIR | sync REMOTE/DIR DIR     mirror a folder up or down [--delete] [--dryrun]
  sync URL PREFIX DIR [--download]              the same, prefix apart
  stats URL [PREFIX] [--json]                   original vs stored bytes of every DeltaSpace below
  verify REMOTE/DIR/NAME | verify URL KEY       full re-read and SHA-256 check (exit 1 if corrupt)

  --single-writer   on a server without conditional writes (s3rver, ...), create reference.bin anyway:
                    only safe when nothing else writes the same folder (a warning says so once)`;

type Values = RemoteFlags & {
  progress?: boolean;
  'no-progress'?: boolean;
  'max-ratio'?: string;
  download?: boolean;
  delete?: boolean;
  dryrun?: boolean;
  json?: boolean;
  'single-writer'?: boolean;
};

function split(key: string): { prefix: string; name: string } {
  const slash = key.lastIndexOf('/');
  return slash === -1
    ? { prefix: '', name: key }
    : { prefix: key.slice(0, slash), name: key.slice(slash + 1) };
}

function need(positionals: string[], count: number, usage: string): string[] {
  if (positionals.length < count) throw new UsageError(`delta ${usage}`);
  return positionals;
}

async function withPort<T>(url: string, values: Values, run: (port: StoragePort) => Promise<T>) {
  const port = openRemote(url, values);
  try {
    return await run(port);
  } finally {
    await port.close?.();
  }
}

function withSpace<T>(url: string, prefix: string, values: Values, run: (s: DeltaSpace) => Promise<T>) {
  const maxRatio = values['max-ratio'];
  const options = {
    prefix,
    ...(maxRatio ? { maxRatio: Number(maxRatio) } : {}),
    ...(values['single-writer'] ? { assumeSingleWriter: true } : {}),
  };
  return withPort(url, values, (port) => run(new DeltaSpace(port, options)));
}

/** `[URL, KEY]` from either `URL KEY` or one remote path `URL/KEY`. */
function urlAndKey(positionals: string[], command: string): [string, string] {
  const [first, second] = positionals;
  if (second !== undefined) return [first as string, second];
  if (first === undefined || !isRemote(first)) throw new UsageError(`delta ${command} REMOTE/DIR/NAME`);
  const { url, name } = remoteFile(first, command);
  return [url, name];
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;

const COMMANDS: Record<string, (positionals: string[], values: Values) => Promise<number>> = {
  async cp(positionals, values) {
    const [source, target] = need(positionals, 2, 'cp SOURCE TARGET');
    const from = isRemote(source as string) ? remoteFile(source as string, 'cp') : undefined;
    const to = isRemote(target as string) ? remoteFile(target as string, 'cp') : undefined;
    if (Boolean(from) === Boolean(to)) {
      throw new UsageError(
        'delta cp SOURCE TARGET: one side is a storage URL ending in a file name, the other a local file',
      );
    }
    if (to) return COMMANDS.put?.([to.url, to.name, source as string], values) ?? 1;
    return COMMANDS.get?.([from?.url ?? '', from?.name ?? '', target as string], values) ?? 1;
  },
  async put(positionals, values) {
    const [url, key, file] = need(positionals, 3, 'put URL KEY FILE');
    const { prefix, name } = split(key as string);
    const size = await readableFile(file as string);
    const show = progressMeter('upload', values);
    show(0, size);
    const bytes = new Uint8Array(await readFile(file as string));
    const r = await withSpace(url as string, prefix, values, (s) =>
      s.put(name, bytes, { onProgress: ({ loaded }) => show(loaded, size) }),
    );
    show.end();
    const how = r.storedAs === 'delta' ? `delta: ${percent(r.storedSize, r.size)} of original` : 'direct';
    out(
      `upload: ${file} to ${r.key}  ${humanBytes(r.size)} (${how}${r.createdReference ? ', new reference' : ''})`,
    );
    return 0;
  },
  async get(positionals, values) {
    const [url, key, file] = need(positionals, 2, 'get URL KEY [FILE]');
    const { prefix, name } = split(key as string);
    const show = progressMeter('download', values);
    const bytes = await withSpace(url as string, prefix, values, (s) => s.get(name));
    show(bytes.length, bytes.length);
    show.end();
    if (file && file !== '-') {
      await writeFile(file, bytes).catch((error: unknown) => {
        throw localError(error, file) ?? error;
      });
      out(`download: ${key} to ${file}  ${humanBytes(bytes.length)}`);
    } else process.stdout.write(bytes);
    return 0;
  },
  async ls(positionals, values) {
    const [url, prefix = ''] = need(positionals, 1, 'ls URL [PREFIX]');
    await withPort(url as string, values, async (port) => {
      for await (const f of listDeltaTree(port, prefix)) {
        const stored = `${humanBytes(f.storedSize)} ${f.storedAs}`;
        out(
          `${f.lastModified.toISOString()}  ${humanBytes(f.size).padStart(10)}  ${stored.padStart(18)}  ${f.path}`,
        );
      }
    });
    return 0;
  },
  async rm(positionals, values) {
    need(positionals, 1, 'rm REMOTE/DIR/NAME... | rm URL KEY...');
    const targets = positionals.every(isRemote)
      ? positionals.map((path) => ({ ...remoteFile(path, 'rm'), shown: redactUrl(path) }))
      : positionals.slice(1).map((key) => ({ url: positionals[0] as string, name: key, shown: key }));
    if (targets.length === 0) throw new UsageError('delta rm URL KEY...');
    for (const { url, name: key, shown } of targets) {
      const { prefix, name } = split(key);
      await withSpace(url, prefix, values, (s) => s.delete(name));
      out(`delete: ${shown}`);
    }
    return 0;
  },
  async sync(positionals, values) {
    const usage = 'sync DIR REMOTE/DIR | sync REMOTE/DIR DIR | sync URL PREFIX DIR [--download]';
    const [first, second, third] = need(positionals, 2, usage);
    const twoForm = third === undefined;
    if (twoForm && isRemote(first as string) === isRemote(second as string))
      throw new UsageError(`delta ${usage}`);
    const download = twoForm ? isRemote(first as string) : Boolean(values.download);
    const [url, prefix, dir] = twoForm
      ? download
        ? [first, '', second]
        : [second, '', first]
      : [first, second, third];
    const show = progressMeter('sync', values, 'files');
    const result = await withSpace(url as string, (prefix as string).replace(/\/$/, ''), values, (s) =>
      syncDirectory(s, dir as string, {
        direction: download ? 'download' : 'upload',
        ...(values.delete ? { delete: true } : {}),
        ...(values.dryrun ? { dryRun: true } : {}),
        onFile: ({ done, total }) => show(done, total),
      }),
    );
    show.end();
    const dry = values.dryrun ? '(dryrun) ' : '';
    for (const name of result.copied) out(`${dry}${download ? 'download' : 'upload'}: ${name}`);
    for (const name of result.deleted) out(`${dry}delete: ${name}`);
    for (const name of result.skipped) err(`skipped: ${name} (not a DeltaSpace file name, or a folder)`);
    out(
      `sync: ${result.copied.length} copied, ${result.deleted.length} deleted, ${result.unchanged.length} unchanged`,
    );
    return 0;
  },
  async stats(positionals, values) {
    const [url, prefix = ''] = need(positionals, 1, 'stats URL [PREFIX] [--json]');
    const stats = await withPort(url as string, values, (port) => deltaTreeStats(port, prefix));
    if (values.json) out(JSON.stringify(stats, null, 2));
    else {
      out(`Files:          ${stats.files} (${stats.deltas} deltas, ${stats.directs} direct)`);
      out(`DeltaSpaces:    ${stats.spaces}`);
      out(`Original size:  ${humanBytes(stats.originalBytes)} (${stats.originalBytes} bytes)`);
      out(
        `Stored size:    ${humanBytes(stats.storedBytes)} (${stats.storedBytes} bytes, reference ${stats.referenceBytes})`,
      );
      out(
        `Saved:          ${humanBytes(stats.savedBytes)} (stored ${percent(stats.storedBytes, stats.originalBytes)} of original)`,
      );
    }
    return 0;
  },
  async verify(positionals, values) {
    const [url, key] = urlAndKey(positionals, 'verify');
    const { prefix, name } = split(key as string);
    const result = await withSpace(url as string, prefix, values, (s) => s.verify(name));
    out(JSON.stringify({ valid: true, ...result }, null, 2));
    return 0;
  },
};

/**
 * Runs `bucketkit delta COMMAND ...` and returns the exit code (errors are thrown to the CLI's handler).
 *
 * @example
 * ```ts
 * await deltaCommand(['put', 'file://./store', 'releases/app-1.1.zip', './app-1.1.zip']);
 * ```
 */
export async function deltaCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseOptions(
    argv,
    {
      'max-ratio': { type: 'string' },
      'endpoint-url': { type: 'string' },
      region: { type: 'string' },
      download: { type: 'boolean' },
      delete: { type: 'boolean' },
      dryrun: { type: 'boolean' },
      json: { type: 'boolean' },
      'single-writer': { type: 'boolean' },
      ...PROGRESS_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    'delta ',
  );
  const [name, ...rest] = positionals;
  const command = pickCommand('delta ', name, values.help, COMMANDS, HELP);
  if (typeof command === 'number') return command;
  setLogger((event) => {
    if (event.level === 'warn' && event.scope === 'delta') err(`bucketkit: warning: ${event.message}`);
  });
  try {
    return await command(rest, values);
  } finally {
    setLogger(undefined);
  }
}
