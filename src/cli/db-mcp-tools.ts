/**
 * The tools `bucketkit db mcp` offers, built from the catalog as it is now: the reading ones for every
 * resource, and `insert_<r>` / `update_<r>` whose input schemas are the resource's JSON Schema.
 */
import type { Database } from '../db/index.js';
import { bkError } from '../errors.js';

export interface Tool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  writes: boolean;
  run(args: Record<string, unknown>): Promise<unknown>;
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const FILTER = {
  type: 'object',
  description:
    'field (dot path) → a value (equality) or { eq, ne, in, gt, gte, lt, lte }; all must hold, e.g. {"country":"PT","age":{"gte":18}}',
};

/** The tools for the database as its catalog is now (per-resource tools follow the resources). */
export function toolsOf(db: Database): Tool[] {
  const names = db.resources();
  const resourceArg = { type: 'string', enum: names, description: 'the resource' };
  const pick = (args: Record<string, unknown>) => db.resource(String(args.resource));
  const tools: Tool[] = [
    {
      name: 'list_resources',
      description: 'The resources of the database with their version, behaviour, fields and partitions.',
      inputSchema: object({}),
      writes: false,
      run: async () =>
        names.map((n) => {
          const { jsonSchema: _, ...rest } = db.resource(n).describe();
          return rest;
        }),
    },
    {
      name: 'describe_resource',
      description: "A resource's definition and the JSON Schema of its records.",
      inputSchema: object({ resource: resourceArg }, ['resource']),
      writes: false,
      run: async (args) => pick(args).describe(),
    },
    {
      name: 'get',
      description: 'One record by id.',
      inputSchema: object({ resource: resourceArg, id: { type: 'string' } }, ['resource', 'id']),
      writes: false,
      run: (args) => pick(args).get(String(args.id)),
    },
    {
      name: 'query',
      description: 'The records matching a filter (a partition covering its fields narrows the reads).',
      inputSchema: object(
        { resource: resourceArg, filter: FILTER, limit: { type: 'integer', minimum: 1, maximum: 10_000 } },
        ['resource'],
      ),
      writes: false,
      run: (args) =>
        pick(args).query((args.filter ?? {}) as Record<string, unknown>, {
          limit: Number(args.limit ?? 100),
        }),
    },
    {
      name: 'count',
      description: 'How many records match a filter (all of them without one).',
      inputSchema: object({ resource: resourceArg, filter: FILTER }, ['resource']),
      writes: false,
      run: async (args) => ({
        count: await pick(args).count((args.filter ?? {}) as Record<string, unknown>),
      }),
    },
    {
      name: 'page',
      description: 'One page of records in id order; pass nextCursor back as cursor for the next page.',
      inputSchema: object(
        {
          resource: resourceArg,
          size: { type: 'integer', minimum: 1, maximum: 1000 },
          cursor: { type: 'string' },
        },
        ['resource'],
      ),
      writes: false,
      run: (args) =>
        pick(args).page({
          size: Number(args.size ?? 100),
          ...(typeof args.cursor === 'string' ? { cursor: args.cursor } : {}),
        }),
    },
    {
      name: 'export',
      description: 'Records (matching a filter) as JSON lines, at most limit of them (default 1000).',
      inputSchema: object(
        { resource: resourceArg, filter: FILTER, limit: { type: 'integer', minimum: 1, maximum: 100_000 } },
        ['resource'],
      ),
      writes: false,
      run: async (args) => {
        const lines: string[] = [];
        const limit = Number(args.limit ?? 1000);
        for await (const record of pick(args).stream({
          filter: (args.filter ?? {}) as Record<string, unknown>,
        })) {
          lines.push(JSON.stringify(record));
          if (lines.length >= limit) break;
        }
        return lines.join('\n');
      },
    },
    {
      name: 'delete',
      description: 'Deletes a record (paranoid resources move it to the trash).',
      inputSchema: object({ resource: resourceArg, id: { type: 'string' } }, ['resource', 'id']),
      writes: true,
      run: async (args) => {
        const id = String(args.id);
        if (!(await pick(args).delete(id))) {
          throw bkError('NotFound', `"${String(args.resource)}" has no record "${id}"`);
        }
        return { deleted: id };
      },
    },
  ];
  for (const name of names) {
    const resource = db.resource(name);
    const { jsonSchema } = resource.describe();
    const { $schema: _, ...record } = jsonSchema;
    const partial = { ...record, required: [] };
    tools.push(
      {
        name: `insert_${name}`,
        description: `Inserts a record into "${name}" (a generated id unless record.id is given).`,
        inputSchema: object(
          {
            record: {
              ...record,
              properties: { id: { type: 'string' }, ...(record.properties as object | undefined) },
            },
          },
          ['record'],
        ),
        writes: true,
        run: (args) => resource.insert(args.record as Record<string, unknown>),
      },
      {
        name: `update_${name}`,
        description: `Deep-merges patch into the record of "${name}" with this id.`,
        inputSchema: object({ id: { type: 'string' }, patch: partial }, ['id', 'patch']),
        writes: true,
        run: (args) => resource.update(String(args.id), args.patch as Record<string, unknown>),
      },
    );
  }
  return tools;
}
