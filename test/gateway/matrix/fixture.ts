/**
 * The client matrix's gateway (issue #19 item 7): two users (alice holds the test key, bob his own),
 * master keys for SSE-S3 and one SSE-KMS key id, customer keys accepted over plain HTTP (the clients
 * talk to 127.0.0.1; the TLS rule itself is tested in sse.test.ts), a small minimum part size, and the
 * checks every client file makes: what lies at rest, and what a policy document looks like.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { requireDebian } from '../../support/debian.js';
import { selfSignedCert } from '../clients-fixture.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway, type TestGateway } from '../support.js';

export const KMS_KEY = 'matrix-kms-key';
export const BOB = { accessKeyId: 'AKMATRIXBOB', secretAccessKey: 'bob-matrix-secret-0123456789' };
export const ALICE = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
const USERS: GatewayUser[] = [
  { id: 'alice', displayName: 'Alice', keys: [] },
  { id: 'bob', displayName: 'Bob', email: 'bob@example.com', keys: [BOB] },
];
/** A 32-byte customer key as text (what the CLIs take) and its bytes. */
export const CUSTOMER_KEY = 'matrix-customer-key-32-bytes-ok!';

export interface Matrix {
  gw: TestGateway;
  work: string;
  /** Writes `bytes` to a file under the work folder, starting with `marker`; returns its path. */
  file(name: string, size: number, marker: string): Promise<{ path: string; bytes: Buffer }>;
  /** Whether `needle` is in any file under the bucket's folder (the bytes at rest). */
  atRest(bucket: string, needle: string): Promise<boolean>;
  /** The requests the gateway answered, "METHOD url status", matching `pattern`. */
  served(pattern: RegExp): string[];
  /** The CA file a client must trust (the gateway's self-signed certificate) when started with TLS. */
  ca?: string;
  /** An SDK v3 client as alice or `as` (trusting `ca`), destroyed after the file's tests. */
  sdk(as?: typeof ALICE): S3Client;
}

/** Registers beforeAll/afterAll starting the matrix gateway; read the fields inside tests only. */
export function matrixGateway(options: { tls?: boolean } = {}): Matrix {
  const m = {} as Matrix;
  const clients: S3Client[] = [];
  beforeAll(async () => {
    m.work = await mkdtemp(join(tmpdir(), 'bk-matrix-'));
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (options.tls) {
      requireDebian('openssl');
      const files = await selfSignedCert(m.work);
      m.ca = files.cert;
      tls = { cert: await readFile(files.cert), key: await readFile(files.key) };
    }
    m.gw = await startGateway({
      ...(tls ? { tls } : {}),
      users: USERS,
      encryption: {
        keys: { k1: randomBytes(32), [KMS_KEY]: randomBytes(32) },
        activeKey: 'k1',
        customerKeysOverHttp: true,
      },
      limits: { minPartSize: 1024 * 1024 },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await m.gw?.stop();
    if (m.work) await rm(m.work, { recursive: true, force: true });
  });
  m.file = async (name, size, marker) => {
    const bytes = randomBytes(size);
    bytes.write(marker, 0);
    const path = join(m.work, name);
    await writeFile(path, bytes);
    return { path, bytes };
  };
  m.atRest = async (bucket, needle) => {
    for (const entry of await readdir(join(m.gw.root, bucket), { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && (await readFile(join(entry.parentPath, entry.name))).includes(needle))
        return true;
    }
    return false;
  };
  m.served = (pattern) => m.gw.requests.filter((r) => pattern.test(r));
  m.sdk = (as = ALICE) => {
    const agent = m.ca ? new Agent({ ca: readFileSync(m.ca) }) : undefined;
    const client = sdkClient(m.gw.endpoint, {
      credentials: as,
      ...(agent ? { requestHandler: new NodeHttpHandler({ httpsAgent: agent }) } : {}),
    });
    clients.push(client);
    return client;
  };
  return m;
}

/** A bucket policy: bob may put under `inbox/`, nobody may read under `sealed/` (deny wins). */
export function matrixPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BobInbox',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::bob:root' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/inbox/*`,
      },
      {
        Sid: 'NoReadsOfSealed',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/sealed/*`,
      },
    ],
  });
}

/** Whether a CLI run failed with an access error (403). */
export const DENIED = /403|Forbidden|AccessDenied|Access Denied/;
