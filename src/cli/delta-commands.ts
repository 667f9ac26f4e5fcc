/**
 * `bucketkit delta ...`: DeltaGlider-compatible delta storage from the shell. KEY is
 * `<prefix>/<file name>`; the prefix (up to the last `/`) is the DeltaSpace holding `reference.bin`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { DeltaSpace, syncDirectory } from '../delta/index.js';
import { bkError } from '../errors.js';
import { connect, redactUrl, type StoragePort } from '../storage/index.js';
import { localError, readableFile } from './local-files.js';
import { err, humanBytes, out, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';
import { progressMeter } from './progress.js';

const HELP = `bucketkit delta — DeltaGlider-compatible delta storage (KEY = prefix/name)

usage: bucketkit delta COMMAND URL [args] [--max-ratio R] [--progress | --no-progress]

  cp FILE URL/PREFIX/NAME                       upload, aws-cli style (the URL's folder is the DeltaSpace)
  cp URL/PREFIX/NAME FILE                       download (FILE - for stdout)
  put URL KEY FILE                              store FILE as a delta (archives) or directly
  get URL KEY [FILE]                            rebuild, SHA-256-check and write FILE (or stdout)
  ls URL [PREFIX]                               files with original and stored sizes
  rm URL KEY...                                 delete files (reference.bin goes with the last delta)
  sync URL PREFIX DIR [--download] [--delete] [--dryrun]
                                                mirror DIR → PREFIX (or PREFIX → DIR with --download)
  stats URL [PREFIX] [--json]                   original vs stored bytes
  verify URL KEY                                full re-read and SHA-256 check (exit 1 if corrupt)`;

type Values = {
  progress?: boolean;
  'no-progress'?: boolean;
  'max-ratio'?: string;
  download?: boolean;
  delete?: boolean;
  dryrun?: boolean;
  json?: boolean;
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

async function withSpace<T>(url: string, prefix: string, values: Values, run: (s: DeltaSpace) => Promise<T>) {
  const port: StoragePort = connect(url);
  try {
    const maxRatio = values['max-ratio'];
    return await run(new DeltaSpace(port, { prefix, ...(maxRatio ? { maxRatio: Number(maxRatio) } : {}) }));
  } finally {
    await port.close?.();
  }
}

/**
 * An aws-cli-style remote path, `s3://KEY:SECRET@bucket/releases/app.zip`: the port is the URL of its
 * folder and the key is the file name. Local paths (no scheme) give `undefined`.
 */
function remotePath(path: string): { url: string; name: string } | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(path);
  } catch {
    throw bkError(
      'InvalidUrl',
      `"${redactUrl(path)}" is not a valid URL (percent-encode special characters in the secret)`,
      { cause: new Error('not a valid URL') },
    );
  }
  const slash = parsed.pathname.lastIndexOf('/');
  const name = decodeURIComponent(parsed.pathname.slice(slash + 1));
  if (!name) throw new UsageError(`delta cp: "${path}" must end with a file name`);
  parsed.pathname = parsed.pathname.slice(0, slash) || '/';
  return { url: parsed.toString(), name };
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;

const COMMANDS: Record<string, (positionals: string[], values: Values) => Promise<number>> = {
  async cp(positionals, values) {
    const [source, target] = need(positionals, 2, 'cp SOURCE TARGET');
    const from = remotePath(source as string);
    const to = remotePath(target as string);
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
    await withSpace(url as string, prefix.replace(/\/$/, ''), values, async (s) => {
      for await (const f of s.list()) {
        const stored = `${humanBytes(f.storedSize)} ${f.storedAs}`;
        out(
          `${f.lastModified.toISOString()}  ${humanBytes(f.size).padStart(10)}  ${stored.padStart(18)}  ${f.name}`,
        );
      }
    });
    return 0;
  },
  async rm(positionals, values) {
    const [url, ...keys] = need(positionals, 2, 'rm URL KEY...');
    for (const key of keys) {
      const { prefix, name } = split(key);
      await withSpace(url as string, prefix, values, (s) => s.delete(name));
      out(`delete: ${key}`);
    }
    return 0;
  },
  async sync(positionals, values) {
    const [url, prefix, dir] = need(positionals, 3, 'sync URL PREFIX DIR [--download] [--delete] [--dryrun]');
    const show = progressMeter('sync', values, 'files');
    const result = await withSpace(url as string, (prefix as string).replace(/\/$/, ''), values, (s) =>
      syncDirectory(s, dir as string, {
        direction: values.download ? 'download' : 'upload',
        ...(values.delete ? { delete: true } : {}),
        ...(values.dryrun ? { dryRun: true } : {}),
        onFile: ({ done, total }) => show(done, total),
      }),
    );
    show.end();
    const dry = values.dryrun ? '(dryrun) ' : '';
    for (const name of result.copied) out(`${dry}${values.download ? 'download' : 'upload'}: ${name}`);
    for (const name of result.deleted) out(`${dry}delete: ${name}`);
    for (const name of result.skipped) err(`skipped: ${name} (not a DeltaSpace file name, or a folder)`);
    out(
      `sync: ${result.copied.length} copied, ${result.deleted.length} deleted, ${result.unchanged.length} unchanged`,
    );
    return 0;
  },
  async stats(positionals, values) {
    const [url, prefix = ''] = need(positionals, 1, 'stats URL [PREFIX] [--json]');
    const stats = await withSpace(url as string, prefix.replace(/\/$/, ''), values, (s) => s.stats());
    if (values.json) out(JSON.stringify(stats, null, 2));
    else {
      out(`Files:          ${stats.files} (${stats.deltas} deltas, ${stats.directs} direct)`);
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
    const [url, key] = need(positionals, 2, 'verify URL KEY');
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
      download: { type: 'boolean' },
      delete: { type: 'boolean' },
      dryrun: { type: 'boolean' },
      json: { type: 'boolean' },
      ...PROGRESS_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    'delta ',
  );
  const [name, ...rest] = positionals;
  const command = pickCommand('delta ', name, values.help, COMMANDS, HELP);
  return typeof command === 'number' ? command : command(rest, values);
}
