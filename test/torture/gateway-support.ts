/**
 * Tools for the gateway's hostile-client torture tests: a seeded generator, a raw HTTP/1.1 exchange over
 * a socket (what no client library would send), SigV4 / SigV2 signing of arbitrary requests, and a
 * snapshot of every file under the gateway's root to prove that a refused request changed nothing.
 */
import { createHash, createHmac } from 'node:crypto';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/** `long` when `BUCKETKIT_TORTURE=long`, else `short` (what `npm test` runs). */
export const MODE: 'short' | 'long' = process.env.BUCKETKIT_TORTURE === 'long' ? 'long' : 'short';

/** The seed of this run: `BUCKETKIT_TORTURE_SEED`, else a fixed one (so a plain run is repeatable). */
export const SEED = Number(process.env.BUCKETKIT_TORTURE_SEED ?? 20261205);

/** A small seeded generator (mulberry32): the same seed gives the same cases. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A whole number in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** What came back on the socket: a parsed response, or how the connection ended without one. */
export type Exchange =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'closed' }
  | { kind: 'timeout' };

/**
 * Writes `parts` to a fresh connection (pausing `gapMs` between them), then reads one final response
 * (1xx interim responses skipped). `endAfterWrite` half-closes the socket after the last part, the
 * way a client that gives up mid-body does.
 */
export function exchange(
  port: number,
  parts: ReadonlyArray<string | Buffer>,
  options: { head?: boolean; timeoutMs?: number; gapMs?: number; endAfterWrite?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (result: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), options.timeoutMs ?? 10_000);
    const tryParse = () => {
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = data.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        if (status >= 100 && status < 200) {
          data = data.subarray(end + 4);
          continue;
        }
        const length = options.head ? 0 : Number(headers['content-length'] ?? -1);
        const body = data.subarray(end + 4);
        if (length >= 0 && body.length >= length) {
          finish({ kind: 'response', status, headers, body: body.subarray(0, length) });
        }
        return;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      tryParse();
      if (done) return;
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) {
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data.toString('latin1'))?.[1] ?? 0);
        finish({ kind: 'response', status, headers: {}, body: data.subarray(end + 4) });
      } else finish({ kind: 'closed' });
    });
    socket.once('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (done) return;
        if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        if (!socket.writable) return;
        socket.write(part);
      }
      if (options.endAfterWrite) socket.end();
    });
  });
}

/** The request head as raw bytes. Header values are written exactly as given (CR/LF included). */
export function rawHead(method: string, target: string, headers: ReadonlyArray<[string, string]>): string {
  return `${method} ${target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function signingKey(secret: string, day: string): Buffer {
  let key = hmac(`AWS4${secret}`, day);
  for (const part of ['us-east-1', 's3', 'aws4_request']) key = hmac(key, part);
  return key;
}

/** RFC 3986 encoding as SigV4 wants it (slashes kept in paths). */
export function awsEncode(text: string, keepSlash = false): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(keepSlash ? /%2F/g : /$^/, '/');
}

/** A valid SigV4 Authorization for a request whose path and sorted raw query are given as sent. */
export function signV4Headers(r: {
  method: string;
  path: string;
  query?: string;
  host: string;
  payloadHash: string;
  accessKey: string;
  secret: string;
  extra?: Record<string, string>;
}): Array<[string, string]> {
  const amzDate = amzDateOf(Date.now());
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: r.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': r.payloadHash,
    ...r.extra,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    r.method,
    r.path,
    r.query ?? '',
    names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(''),
    names.join(';'),
    r.payloadHash,
  ].join('\n');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(r.secret, day)).update(toSign).digest('hex');
  return [
    ...names.map((n): [string, string] => [n, headers[n]!]),
    [
      'authorization',
      `AWS4-HMAC-SHA256 Credential=${r.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    ],
  ];
}

/** A SigV4 presigned target (`path?query`) for GET or HEAD of `path` on `host`. */
export function presignV4(r: {
  method: string;
  path: string;
  host: string;
  accessKey: string;
  secret: string;
}): string {
  const amzDate = amzDateOf(Date.now());
  const day = amzDate.slice(0, 8);
  const params: Array<[string, string]> = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${r.accessKey}/${day}/us-east-1/s3/aws4_request`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', '600'],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = params.map(([n, v]) => `${awsEncode(n)}=${awsEncode(v)}`).join('&');
  const canonical = [r.method, r.path, query, `host:${r.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, `${day}/us-east-1/s3/aws4_request`, sha256Hex(canonical)].join(
    '\n',
  );
  const signature = createHmac('sha256', signingKey(r.secret, day)).update(toSign).digest('hex');
  return `${r.path}?${query}&X-Amz-Signature=${signature}`;
}

/** A SigV2 presigned target (`path?query`) as s3cmd and boto2 make them. */
export function presignV2(r: { method: string; path: string; accessKey: string; secret: string }): string {
  const expires = String(Math.floor(Date.now() / 1000) + 600);
  const signature = createHmac('sha1', r.secret)
    .update(`${r.method}\n\n\n${expires}\n${r.path}`)
    .digest('base64');
  return `${r.path}?AWSAccessKeyId=${r.accessKey}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
}

/**
 * Every file under `root` with the SHA-256 of its bytes, sorted: equal snapshots mean nothing changed.
 * Empty folders are left out: the file port keeps a deleted key's folders, and they hold no object.
 */
export async function snapshot(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(e.parentPath, e.name);
    if (e.isFile()) {
      // a temp file may vanish between the listing and the read: it was never state
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes) out.push(`${path.slice(root.length)} ${sha256Hex(bytes)}`);
    }
  }
  return out.sort();
}

/**
 * Removes the empty folders below `dir` (not `dir` itself), deepest first: what a deleted key's path
 * left. Without this every snapshot walks every folder all earlier keys made (thousands in long mode).
 */
export async function pruneEmptyFolders(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const folders = entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name));
  folders.sort((a, b) => b.length - a.length);
  for (const folder of folders) await rmdir(folder).catch(() => {});
}

/** `<Code>` and `<Message>` of an S3 error document, or undefined when the body is not one. */
export function s3ErrorOf(body: Buffer): { code: string; message: string } | undefined {
  const text = body.toString('utf8');
  const match =
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error><Code>([A-Za-z0-9]+)<\/Code><Message>([^<]*)<\/Message>[\s\S]*<RequestId>[^<]+<\/RequestId>[\s\S]*<\/Error>$/.exec(
      text,
    );
  return match ? { code: match[1]!, message: match[2]! } : undefined;
}

/**
 * The aws-chunked body of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload whose head `signV4Headers`
 * signed: every chunk signed in a chain from the head's signature, then the final empty chunk.
 */
export function signedChunks(
  head: ReadonlyArray<[string, string]>,
  chunks: readonly Uint8Array[],
  secret: string,
): Buffer {
  const authorization = head.find(([n]) => n === 'authorization')![1];
  const amzDate = head.find(([n]) => n === 'x-amz-date')![1];
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const key = signingKey(secret, day);
  let previous = /Signature=([0-9a-f]{64})/.exec(authorization)![1]!;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, new Uint8Array(0)]) {
    const toSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      amzDate,
      scope,
      previous,
      sha256Hex(''),
      sha256Hex(chunk),
    ].join('\n');
    previous = createHmac('sha256', key).update(toSign).digest('hex');
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      Buffer.from(chunk),
      Buffer.from('\r\n'),
    );
  }
  return Buffer.concat(parts);
}
