/**
 * `bucketkit db mcp`: a Model Context Protocol server over a database, on stdio or streamable HTTP,
 * built on the official `@modelcontextprotocol/sdk` (an optional peer: installed on demand).
 *
 * Tools: `list_resources`, `describe_resource`, `get`, `query`, `count`, `page`, `export`, and per
 * resource `insert_<r>` / `update_<r>` whose input schemas are the resource's JSON Schema, plus
 * `delete`. `--read-only` leaves the writing tools out (and refuses them by name).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Database } from '../db/index.js';
import { BucketkitError, bkError } from '../errors.js';
import { toolsOf } from './db-mcp-tools.js';
import { err } from './output.js';

export interface McpOptions {
  /** Leave out insert, update and delete. */
  readOnly?: boolean;
  /** Serve streamable HTTP at `http://host:port/mcp` instead of stdio (port 0: any free port). */
  http?: { port: number; host: string };
}

type Sdk = {
  Server: typeof import('@modelcontextprotocol/sdk/server/index.js').Server;
  types: typeof import('@modelcontextprotocol/sdk/types.js');
};

async function loadSdk(): Promise<Sdk> {
  try {
    const [server, types] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/index.js'),
      import('@modelcontextprotocol/sdk/types.js'),
    ]);
    return { Server: server.Server, types };
  } catch (error) {
    throw bkError(
      'Unsupported',
      'the MCP server needs the optional package @modelcontextprotocol/sdk: npm install @modelcontextprotocol/sdk',
      { cause: error },
    );
  }
}

/** An MCP server instance answering from `db` (one per HTTP request in stateless HTTP mode). */
function mcpServer(sdk: Sdk, db: Database, options: McpOptions): Server {
  const server = new sdk.Server(
    { name: 'bucketkit-db', version: '1' },
    {
      capabilities: { tools: {} },
      instructions: options.readOnly
        ? 'A bucketkit document database, read-only.'
        : 'A bucketkit document database: list resources, read, query, insert, update, delete.',
    },
  );
  const visible = async () => {
    await db.refresh();
    return toolsOf(db).filter((tool) => !(options.readOnly && tool.writes));
  };
  server.setRequestHandler(sdk.types.ListToolsRequestSchema, async () => ({
    tools: (await visible()).map(({ name, description, inputSchema }) => ({
      name,
      description,
      inputSchema: inputSchema as { type: 'object' },
    })),
  }));
  server.setRequestHandler(sdk.types.CallToolRequestSchema, async (request) => {
    const tool = (await visible()).find((t) => t.name === request.params.name);
    if (!tool) {
      const why = options.readOnly ? ' (the server is read-only)' : '';
      return failure(`no tool "${request.params.name}"${why}`);
    }
    try {
      const result = await tool.run(request.params.arguments ?? {});
      return {
        content: [{ type: 'text', text: typeof result === 'string' ? result : JSON.stringify(result) }],
      };
    } catch (error) {
      if (BucketkitError.is(error)) return failure(error.message.split('\n')[0]!);
      throw error;
    }
  });
  return server;
}

function failure(text: string) {
  return { isError: true, content: [{ type: 'text' as const, text }] };
}

/**
 * Serves the database over MCP until the client hangs up (stdio) or SIGINT/SIGTERM (HTTP).
 *
 * @example
 * ```ts
 * await serveMcp(db, { readOnly: true }); // stdio, as `bucketkit db mcp --read-only`
 * ```
 */
export async function serveMcp(db: Database, options: McpOptions): Promise<void> {
  const sdk = await loadSdk();
  const listen = options.http;
  if (!listen) {
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const server = mcpServer(sdk, db, options);
    const closed = new Promise<void>((resolve) => {
      server.onclose = resolve;
      process.stdin.once('end', resolve);
    });
    await server.connect(new StdioServerTransport());
    await closed;
    await server.close();
    return;
  }
  const { StreamableHTTPServerTransport } = await import(
    '@modelcontextprotocol/sdk/server/streamableHttp.js'
  );
  const http: HttpServer = createServer((req, res) => {
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end('the MCP endpoint is /mcp\n');
      return;
    }
    // stateless: a server and a transport per request, closed with the response
    const server = mcpServer(sdk, db, options);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((error: unknown) => {
        err(`bucketkit: mcp request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(listen.port, listen.host, resolve);
  });
  const { address, port } = http.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  err(
    `bucketkit db mcp: streamable HTTP at http://${host}:${port}/mcp${options.readOnly ? ' (read-only)' : ''}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
