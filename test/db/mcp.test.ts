/**
 * Issue 21, item 3: `bucketkit db mcp`, driven by the official MCP SDK's own client — over stdio (the
 * client spawns the real CLI) and over streamable HTTP — on a file:// database; read-only by flag.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/index.js';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } as Record<
  string,
  string
>;

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}
const json = (result: ToolResult) => JSON.parse(result.content[0]!.text);

/** Connects an SDK client; closes it whatever the test does. */
async function withClient(transport: Transport, use: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ name: 'bucketkit-test', version: '1' });
  await client.connect(transport);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

describe('bucketkit db mcp', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bk-mcp-'));
    url = `file://${join(dir, 'store')}`;
    const db = await new Database({ connectionString: url }).connect();
    const users = await db.createResource({
      name: 'users',
      attributes: { name: 'string|required', age: 'number|integer', country: 'string' },
      partitions: { byCountry: ['country'] },
    });
    await users.insert({ id: 'ada', name: 'Ada', age: 36, country: 'UK' });
    await users.insert({ id: 'bob', name: 'Bob', age: 25, country: 'US' });
    await db.disconnect();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('over stdio: tools with input schemas from the definitions, CRUD, query, count, page, export', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', cli, 'db', 'mcp', '--url', url],
      env,
      stderr: 'pipe',
    });
    await withClient(transport, async (client) => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).sort();
      expect(names).toEqual([
        'count',
        'delete',
        'describe_resource',
        'export',
        'get',
        'insert_users',
        'list_resources',
        'page',
        'query',
        'update_users',
      ]);
      const insert = tools.find((t) => t.name === 'insert_users')!;
      const record = (insert.inputSchema.properties as Record<string, Record<string, unknown>>).record!;
      expect(record.required).toEqual(['name']);
      expect(record.properties).toMatchObject({
        name: { type: 'string' },
        age: { anyOf: [expect.objectContaining({ type: 'integer' }), { type: 'null' }] },
      });

      expect(json(await call(client, 'list_resources', {}))).toMatchObject([
        { name: 'users', partitions: { byCountry: ['country'] } },
      ]);
      expect(json(await call(client, 'get', { resource: 'users', id: 'ada' }))).toEqual({
        id: 'ada',
        name: 'Ada',
        age: 36,
        country: 'UK',
      });
      const carl = json(
        await call(client, 'insert_users', { record: { id: 'carl', name: 'Carl', country: 'UK' } }),
      );
      expect(carl).toEqual({ id: 'carl', name: 'Carl', country: 'UK' });
      const refused = await call(client, 'insert_users', { record: { name: 5 } });
      expect(refused.isError).toBe(true);
      expect(refused.content[0]!.text).toMatch(/^InvalidArgument: name: /);
      expect(json(await call(client, 'update_users', { id: 'carl', patch: { age: 50 } }))).toMatchObject({
        age: 50,
        name: 'Carl',
      });
      const uk = json(await call(client, 'query', { resource: 'users', filter: { country: 'UK' } }));
      expect(uk.map((r: { id: string }) => r.id)).toEqual(['ada', 'carl']);
      expect(json(await call(client, 'count', { resource: 'users', filter: { age: { gte: 30 } } }))).toEqual({
        count: 2,
      });
      const first = json(await call(client, 'page', { resource: 'users', size: 2 }));
      expect(first.items.map((r: { id: string }) => r.id)).toEqual(['ada', 'bob']);
      const second = json(
        await call(client, 'page', { resource: 'users', size: 2, cursor: first.nextCursor }),
      );
      expect(second).toEqual({ items: [{ id: 'carl', name: 'Carl', country: 'UK', age: 50 }] });
      const exported = (await call(client, 'export', { resource: 'users' })).content[0]!.text;
      expect(exported.split('\n').map((line) => JSON.parse(line).id)).toEqual(['ada', 'bob', 'carl']);
      expect(json(await call(client, 'delete', { resource: 'users', id: 'carl' }))).toEqual({
        deleted: 'carl',
      });
      const gone = await call(client, 'get', { resource: 'users', id: 'carl' });
      expect(gone).toEqual({
        isError: true,
        content: [{ type: 'text', text: 'NotFound: "users" has no record "carl"' }],
      });
    });
  }, 180_000);

  describe('over streamable HTTP, read-only', () => {
    let server: ChildProcess;
    let endpoint: URL;
    beforeAll(async () => {
      server = spawn(
        process.execPath,
        ['--import', 'tsx', cli, 'db', 'mcp', '--url', url, '--http', '--port', '0', '--read-only'],
        {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let said = '';
      endpoint = await new Promise<URL>((resolve, reject) => {
        server.stderr!.on('data', (chunk) => {
          said += chunk;
          const match = /streamable HTTP at (http:\/\/\S+)/.exec(said);
          if (match) resolve(new URL(match[1]!));
        });
        server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${said}`)));
      });
    }, 120_000);
    afterAll(async () => {
      if (server.exitCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
      }
    });

    it('serves the reading tools to the SDK client and leaves the writing ones out', async () => {
      await withClient(new StreamableHTTPClientTransport(endpoint), async (client) => {
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        expect(names).toEqual([
          'count',
          'describe_resource',
          'export',
          'get',
          'list_resources',
          'page',
          'query',
        ]);
        expect(json(await call(client, 'get', { resource: 'users', id: 'bob' }))).toMatchObject({
          name: 'Bob',
        });
        expect(json(await call(client, 'count', { resource: 'users' }))).toEqual({ count: 2 });
        const refused = await call(client, 'delete', { resource: 'users', id: 'bob' });
        expect(refused).toEqual({
          isError: true,
          content: [{ type: 'text', text: 'no tool "delete" (the server is read-only)' }],
        });
      });
      // a second client on the same server (stateless HTTP: no session to collide with)
      await withClient(new StreamableHTTPClientTransport(endpoint), async (client) => {
        expect(json(await call(client, 'query', { resource: 'users', filter: { country: 'US' } }))).toEqual([
          { id: 'bob', name: 'Bob', age: 25, country: 'US' },
        ]);
      });
    }, 120_000);
  });
});
