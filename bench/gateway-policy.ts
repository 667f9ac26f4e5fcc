/**
 * Issue #19's benchmark rows: (1) what a bucket policy adds to a request — the policy read from the
 * bucket's configuration cache and the decision, for 20 statements none of which matches until the last
 * (every statement's principal, action, resource and conditions are tested) — against a bucket with no
 * policy; (2) SSE-S3 64 MiB PUT and GET against the same without encryption, through the gateway over
 * the file adapter, driven by the AWS SDK in the same process.
 *
 *   npx tsx bench/gateway-policy.ts            (BENCH_REPEAT=3 runs each SSE measure, median kept)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeBucketConfig } from '../src/gateway/bucket-config.js';
import { staticBuckets } from '../src/gateway/buckets.js';
import type { RequestContext } from '../src/gateway/context.js';
import { servedBucket } from '../src/gateway/context.js';
import { decide, policyGate } from '../src/gateway/identity/policy-gate.js';
import { createGateway, folderBuckets } from '../src/gateway/index.js';
import { memoryStorage } from '../src/index.js';

const MIB = 1024 * 1024;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** 20 statements of the kinds bucket policies use; none applies to the measured request but the last. */
function twentyStatements(): string {
  const statements: Record<string, unknown>[] = [];
  for (let i = 0; i < 19; i++) {
    const kinds = [
      { Principal: { AWS: `user${i}` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::bench/team${i}/*` },
      {
        Principal: '*',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: `arn:aws:s3:::bench/public${i}/*`,
        Condition: { IpAddress: { 'aws:SourceIp': [`10.${i}.0.0/16`, '192.168.0.0/24'] } },
      },
      {
        Principal: '*',
        Action: 's3:*',
        Resource: 'arn:aws:s3:::bench/*',
        Condition: {
          StringEquals: { 's3:x-amz-acl': `never-${i}` },
          Bool: { 'aws:SecureTransport': 'true' },
        },
      },
      {
        Principal: { AWS: ['alice', 'bob'] },
        Action: 's3:Put*',
        Resource: [`arn:aws:s3:::bench/in${i}/*`, `arn:aws:s3:::bench/drop${i}/*`],
        Condition: { StringLike: { 's3:prefix': [`home/${i}/*`] } },
      },
    ];
    statements.push({ Sid: `s${i}`, Effect: i % 3 === 2 ? 'Deny' : 'Allow', ...kinds[i % kinds.length] });
  }
  statements.push({
    Sid: 'last',
    Effect: 'Allow',
    Principal: { AWS: 'alice' },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::bench/docs/*',
    Condition: {
      NumericLessThan: { 's3:max-keys': '1000' },
      StringEqualsIfExists: { 's3:x-amz-acl': 'private' },
    },
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** CPU µs per authorization-added step (gate read + decision), over `n` requests. */
async function policyCost(withPolicy: boolean, n: number): Promise<number> {
  const buckets = staticBuckets({ bench: memoryStorage() });
  const bucket = await servedBucket(buckets, 'bench');
  if (withPolicy) await writeBucketConfig(bucket, 'policy', twentyStatements());
  const req = {
    headers: { host: 'localhost', 'user-agent': 'bench', authorization: 'AWS4-HMAC-SHA256 Credential=x' },
    socket: { remoteAddress: '127.0.0.1', encrypted: false },
  } as unknown as IncomingMessage;
  const ctx = {
    req,
    caller: { id: 'alice', keys: [] },
    target: {
      bucket: 'bench',
      key: 'docs/a.txt',
      rawKey: 'docs/a.txt',
      query: new Map([['max-keys', '10']]),
    },
  } as unknown as RequestContext;
  const guards = { block: undefined, ownership: undefined };
  let allowed = 0;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const gate = await policyGate(bucket, guards, 'owner');
      if (decide(gate, ctx, 's3:GetObject', 'docs/a.txt') === 'Allow') allowed++;
    }
  };
  await run(n / 10); // warm up
  // CPU time, not wall time: on a loaded machine the wall clock counts other processes' turns
  const started = process.cpuUsage();
  await run(n);
  const used = process.cpuUsage(started);
  const us = (used.user + used.system) / n;
  if (withPolicy && allowed === 0)
    throw new Error('the policy never allowed the request: the bench is wrong');
  return us;
}

async function sseThroughput(): Promise<Record<string, number>> {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-sse-'));
  const buckets = folderBuckets(root, { durable: false });
  const credentials = { accessKeyId: 'AKBENCH', secretAccessKey: 'bench-secret-0123456789' };
  const gateway = createGateway({
    buckets,
    credentials: [credentials],
    encryption: { keys: { k1: randomBytes(32) }, activeKey: 'k1' },
  });
  const { endpoint, close } = await gateway.listen(0);
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  const body = randomBytes(64 * MIB);
  const results: Record<string, number[]> = {};
  const push = (name: string, value: number) => {
    results[name] = [...(results[name] ?? []), value];
  };
  const record = (name: string, wallMs: number, cpu: NodeJS.CpuUsage) => {
    push(`${name} MiB/s`, 64 / (wallMs / 1000));
    push(`${name} CPU ms`, (cpu.user + cpu.system) / 1000);
  };
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    for (let round = 0; round < REPEAT; round++) {
      for (const sse of [false, true]) {
        const name = sse ? 'SSE-S3' : 'plain';
        const Key = `big-${name}`;
        let started = performance.now();
        let cpu = process.cpuUsage();
        await s3.send(
          new PutObjectCommand({
            Bucket: 'bench',
            Key,
            Body: body,
            ...(sse ? { ServerSideEncryption: 'AES256' } : {}),
          }),
        );
        record(`PUT ${name}`, performance.now() - started, process.cpuUsage(cpu));
        started = performance.now();
        cpu = process.cpuUsage();
        const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key }));
        let bytes = 0;
        for await (const chunk of got.Body as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
        if (bytes !== body.byteLength) throw new Error(`GET ${name} returned ${bytes} bytes`);
        record(`GET ${name}`, performance.now() - started, process.cpuUsage(cpu));
      }
    }
  } finally {
    s3.destroy();
    await close();
    await rm(root, { recursive: true, force: true });
  }
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
}

async function main(): Promise<void> {
  const before = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const n = 200_000;
  const none = median([await policyCost(false, n), await policyCost(false, n), await policyCost(false, n)]);
  const twenty = median([await policyCost(true, n), await policyCost(true, n), await policyCost(true, n)]);
  const sse = await sseThroughput();
  const after = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const lines = [
    `Gateway policy and SSE benchmark — Node ${process.version}, load average ${before} before, ${after} after`,
    '',
    '| measure | value | goal |',
    '|---|---:|---:|',
    `| policy read + decision, no policy (CPU µs per request) | ${none.toFixed(2)} | – |`,
    `| policy read + decision, 20 statements (CPU µs per request) | ${twenty.toFixed(2)} | – |`,
    `| added by a 20-statement policy (CPU µs per request) | ${(twenty - none).toFixed(2)} | ≤ 10 |`,
    ...(['PUT', 'GET'] as const).flatMap((op) => {
      const [plain, enc] = [sse[`${op} plain MiB/s`]!, sse[`${op} SSE-S3 MiB/s`]!];
      const [plainCpu, encCpu] = [sse[`${op} plain CPU ms`]!, sse[`${op} SSE-S3 CPU ms`]!];
      return [
        `| 64 MiB ${op} MiB/s, plain / SSE-S3 | ${plain.toFixed(0)} / ${enc.toFixed(0)} | – |`,
        `| 64 MiB ${op}, SSE-S3 ÷ plain throughput | ${(enc / plain).toFixed(2)} | ≥ 0.70 |`,
        `| 64 MiB ${op} CPU ms (client and server), plain / SSE-S3 | ${plainCpu.toFixed(0)} / ${encCpu.toFixed(0)} | – |`,
        `| 64 MiB ${op}, plain ÷ SSE-S3 CPU | ${(plainCpu / encCpu).toFixed(2)} | ≥ 0.70 |`,
      ];
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
