/**
 * `bucketkit db ...`: the document database (bucketkit/db) from the shell — resources and schemas,
 * CRUD, queries and counts, streaming export/import as JSON lines or CSV, and an MCP server.
 */
import { Database } from '../db/index.js';
import { BucketkitError, bkError } from '../errors.js';
import { type Context, need, print, resourceOf, type Values } from './db-context.js';
import { filterOf, jsonObject, recordLines, recordTable, table } from './db-io.js';
import { MIGRATE_S3DB_HELP, migrateS3dbCommand } from './db-s3db.js';
import { exportCommand, importCommand } from './db-transfer.js';
import { localError } from './local-files.js';
import { err, PROGRESS_OPTIONS, parseOptions, pickCommand, UsageError } from './output.js';

export const DB_HELP = `bucketkit db — the document database in a bucket (bucketkit/db)

usage: bucketkit db COMMAND [--url URL] [args] [--json]

  resources                         the resources: version, behaviour, fields, partitions
  schema RESOURCE                   its fields (--json: the definition with its JSON Schema)
  insert RESOURCE [JSON]            a record from JSON (or stdin); prints it with its id
  get RESOURCE ID                   one record
  update RESOURCE ID JSON           deep-merges JSON into the record (compare-and-swap)
  delete RESOURCE ID                deletes it (paranoid resources: to the trash)
  query RESOURCE [--where F=V]... [--filter JSON] [--partition P] [--limit N]
                                    the matching records (a partition's fields narrow the reads)
  count RESOURCE [--where F=V]... [--filter JSON]
  export RESOURCE [FILE] [--format jsonl|csv] [--where F=V]... [--filter JSON]
                                    every (matching) record, streamed to FILE or stdout
  import RESOURCE [FILE] [--format jsonl|csv] [--upsert] [--concurrency N]
                                    records from FILE or stdin, streamed; --upsert merges existing ids
  mcp [--http] [--port N] [--host H] [--read-only]
                                    an MCP server over the database (stdio; --http: streamable HTTP)
${MIGRATE_S3DB_HELP}

--url URL, else BUCKETKIT_URL: where the database is (memory://, file://, s3://, http(s)://).
BUCKETKIT_PASSPHRASE: the passphrase of secret fields. --json: JSON on stdout (and errors as JSON on
stderr). F=V: V is read as JSON when it parses (age=36 is a number), else as text. FILE's extension
(.csv) picks the format unless --format says. Progress (--progress) counts records on stderr.
Exit codes: 0 done, 1 failed (storage, a local file), 2 wrong input (usage, JSON, a record the schema
refuses, an id), 3 not found (a resource or record), 4 conflict (an id that exists, a lost race).`;

type Command = (ctx: Context) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  resources: resourcesCommand,
  schema: schemaCommand,
  insert: insertCommand,
  get: getCommand,
  update: updateCommand,
  delete: deleteCommand,
  query: queryCommand,
  count: countCommand,
  export: exportCommand,
  import: importCommand,
  mcp: mcpCommand,
};

/** Commands that open `--url` themselves, without a bucketkit Database (there may be none yet). */
const WITHOUT_DATABASE: Record<string, (url: string, args: string[], values: Values) => Promise<void>> = {
  'migrate-s3db': migrateS3dbCommand,
};

/** Runs `bucketkit db ARGS`; returns the exit code (errors are printed here, one line). */
export async function dbCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const { positionals, values } = parseOptions(
      argv,
      {
        url: { type: 'string' },
        json: { type: 'boolean' },
        where: { type: 'string', multiple: true },
        filter: { type: 'string' },
        partition: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
        upsert: { type: 'boolean' },
        concurrency: { type: 'string' },
        http: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'read-only': { type: 'boolean' },
        to: { type: 'string' },
        ...PROGRESS_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      'db ',
    );
    const [name, ...args] = positionals;
    const command = pickCommand('db ', name, values.help, { ...COMMANDS, ...WITHOUT_DATABASE }, DB_HELP);
    if (typeof command === 'number') return command;
    const url = values.url ?? process.env.BUCKETKIT_URL;
    if (!url)
      throw new UsageError('db: give the database with --url URL or BUCKETKIT_URL (bucketkit db --help)');
    const standalone = WITHOUT_DATABASE[name!];
    if (standalone) {
      await standalone(url, args, values as Values);
      return 0;
    }
    const passphrase = process.env.BUCKETKIT_PASSPHRASE;
    const db = new Database({ connectionString: url, ...(passphrase ? { passphrase } : {}) });
    try {
      await db.connect();
      await (command as Command)({ db, args, values: values as Values });
    } finally {
      await db.disconnect();
    }
    return 0;
  } catch (error) {
    return reportDbError(error, json);
  }
}

/** The exit code of a failure: 2 wrong input, 3 not found, 4 conflict, 1 anything else. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (BucketkitError.is(error, 'InvalidArgument', 'InvalidKey', 'InvalidUrl', 'MetadataTooLarge')) return 2;
  if (BucketkitError.is(error, 'NotFound')) return 3;
  if (BucketkitError.is(error, 'PreconditionFailed')) return 4;
  return 1;
}

function reportDbError(error: unknown, json: boolean): number {
  const known = BucketkitError.is(error) ? error : localError(error);
  const code = exitCodeOf(known ?? error);
  let message: string;
  if (error instanceof UsageError) message = error.message.replace(/^(bucketkit: )?/, '');
  else if (known) message = known.message.split('\n')[0]!;
  else message = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  if (json) {
    const errorCode = known?.code ?? (error instanceof UsageError ? 'Usage' : 'Unexpected');
    err(JSON.stringify({ error: { code: errorCode, message: message.replace(/^\w+: /, ''), exit: code } }));
  } else {
    err(`bucketkit: ${message}`);
  }
  return code;
}

async function resourcesCommand({ db, values }: Context): Promise<void> {
  const described = db.resources().map((name) => db.resource(name).describe());
  print(
    values,
    described.map(({ jsonSchema: _, ...rest }) => rest),
    () =>
      table(
        ['resource', 'version', 'behavior', 'fields', 'partitions'],
        described.map((d) => [
          d.name,
          d.version,
          d.behavior,
          String(d.fields.length),
          Object.entries(d.partitions)
            .map(([p, fields]) => `${p}(${fields.join(',')})`)
            .join(' '),
        ]),
      ),
  );
}

async function schemaCommand({ db, args, values }: Context): Promise<void> {
  const [name] = need(args, 1, 'schema RESOURCE');
  const d = resourceOf(db, name).describe();
  print(values, d, () =>
    [
      table(
        ['field', 'type', 'required', 'secret'],
        d.fields.map((f) => [
          f.path,
          f.items ? `${f.type}<${f.items}>` : f.type,
          f.required ? 'yes' : '',
          f.secret ? 'yes' : '',
        ]),
      ),
      `behavior ${d.behavior}, version ${d.version}${d.timestamps ? ', timestamps' : ''}${d.paranoid ? ', paranoid' : ''}`,
      ...Object.entries(d.partitions).map(([p, fields]) => `partition ${p}: ${fields.join(', ')}`),
    ].join('\n'),
  );
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('db insert RESOURCE JSON (or the JSON on stdin)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function insertCommand({ db, args, values }: Context): Promise<void> {
  if (args.length < 1 || args.length > 2) throw new UsageError('db insert RESOURCE [JSON]');
  const resource = resourceOf(db, args[0]);
  const input = jsonObject(args[1] ?? (await readStdin()), 'the record');
  const record = await resource.insert(input);
  print(values, record, () => recordLines(record, resource.describe().fields));
}

async function getCommand({ db, args, values }: Context): Promise<void> {
  const [name, id] = need(args, 2, 'get RESOURCE ID');
  const resource = resourceOf(db, name);
  const record = await resource.get(id!);
  print(values, record, () => recordLines(record, resource.describe().fields));
}

async function updateCommand({ db, args, values }: Context): Promise<void> {
  const [name, id, text] = need(args, 3, 'update RESOURCE ID JSON');
  const resource = resourceOf(db, name);
  const patch = jsonObject(text!, 'the update');
  const record = await resource.update(id!, patch);
  print(values, record, () => recordLines(record, resource.describe().fields));
}

async function deleteCommand({ db, args, values }: Context): Promise<void> {
  const [name, id] = need(args, 2, 'delete RESOURCE ID');
  if (!(await resourceOf(db, name).delete(id!))) {
    throw bkError('NotFound', `"${name}" has no record "${id}"`, { details: { resource: name, id } });
  }
  print(values, { deleted: id }, () => `deleted ${id}`);
}

function limitOf(values: Values): number | undefined {
  if (values.limit === undefined) return undefined;
  const n = Number(values.limit);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`db: --limit "${values.limit}" is not a whole number`);
  return n;
}

async function queryCommand({ db, args, values }: Context): Promise<void> {
  const [name] = need(args, 1, 'query RESOURCE [--where F=V]... [--filter JSON] [--partition P] [--limit N]');
  const resource = resourceOf(db, name);
  const filter = filterOf(values.where, values.filter);
  const { partitions, fields } = resource.describe();
  if (values.partition !== undefined) {
    const wanted = partitions[values.partition];
    if (!wanted) {
      throw new UsageError(
        `db: "${name}" has no partition "${values.partition}"; it has ${Object.keys(partitions).join(', ') || 'none'}`,
      );
    }
    const missing = wanted.filter((f) => !(f in filter));
    if (missing.length > 0) {
      throw new UsageError(
        `db: partition "${values.partition}" needs --where ${missing.map((f) => `${f}=...`).join(' ')}`,
      );
    }
  }
  const limit = limitOf(values);
  const records = await resource.query(filter, limit === undefined ? {} : { limit });
  print(values, records, () => recordTable(records, fields));
}

async function countCommand({ db, args, values }: Context): Promise<void> {
  const [name] = need(args, 1, 'count RESOURCE [--where F=V]... [--filter JSON]');
  const n = await resourceOf(db, name).count(filterOf(values.where, values.filter));
  print(values, { count: n }, () => String(n));
}

async function mcpCommand({ db, args, values }: Context): Promise<void> {
  need(args, 0, 'mcp [--http] [--port N] [--host H] [--read-only]');
  const { serveMcp } = await import('./db-mcp.js');
  await serveMcp(db, {
    readOnly: values['read-only'] === true,
    ...(values.http ? { http: { port: Number(values.port ?? 0), host: values.host ?? '127.0.0.1' } } : {}),
  });
}
