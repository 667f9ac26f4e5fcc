// Scratch investigation (deleted after use): where does the s3 adapter lose time against raw SDK calls?
import { Agent as HttpAgent } from 'node:http';
import {
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readAll } from '../src/storage/body.js';
import { compareUtf8, s3Storage } from '../src/storage/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../test/support/servers.js';

const MIB = 1024 * 1024;
const which = process.argv[2] ?? 'ceph';
const server: S3Server = which === 'ceph' ? await startCephRgw() : await startS3rver();
const listApi = which === 'ceph' ? 'v2' : 'v1';
const creds = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
const raw = new S3Client({
  region: 'us-east-1',
  endpoint: server.endpoint,
  credentials: creds,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) }),
});
const port = s3Storage({ bucket: server.bucket, endpoint: server.endpoint, credentials: creds, listApi });
const portSingle = s3Storage({
  bucket: server.bucket,
  endpoint: server.endpoint,
  credentials: creds,
  listApi,
  partSize: 32 * MIB,
});
const B = server.bucket;
const big = new Uint8Array(16 * MIB).map((_, i) => i * 7);
const small = new Uint8Array(4096).map((_, i) => i);
await raw.send(new PutObjectCommand({ Bucket: B, Key: 'big', Body: big }));
await raw.send(new PutObjectCommand({ Bucket: B, Key: 'small', Body: small }));
for (let i = 0; i < 2000; i += 50) {
  await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      raw.send(new PutObjectCommand({ Bucket: B, Key: `l/${String(i + j).padStart(5, '0')}`, Body: small })),
    ),
  );
}

type Fn = () => Promise<unknown>;
async function compare(label: string, variants: Record<string, Fn>, reps: number, rounds = 7) {
  const names = Object.keys(variants);
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (const n of names) {
    wall[n] = [];
    cpu[n] = [];
    for (let i = 0; i < Math.min(reps, 3); i++) await variants[n]!();
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...names].reverse() : names;
    for (const n of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await variants[n]!();
      const t = (performance.now() - t0) / reps;
      const c = process.cpuUsage(c0);
      wall[n]!.push(t);
      cpu[n]!.push((c.user + c.system) / 1000 / reps);
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`\n## ${label}`);
  for (const n of names)
    console.log(
      `${n.padEnd(34)} wall ${med(wall[n]!).toFixed(3)} ms/op   client cpu ${med(cpu[n]!).toFixed(3)} ms/op`,
    );
}

const rawGet = async (key: string) =>
  (await (await raw.send(new GetObjectCommand({ Bucket: B, Key: key }))).Body!.transformToByteArray())
    .byteLength;
const rawGetViaWeb = async (key: string) => {
  const out = await raw.send(new GetObjectCommand({ Bucket: B, Key: key }));
  return (await readAll(out.Body!.transformToWebStream() as ReadableStream<Uint8Array>)).byteLength;
};
const rawGetViaFrom = async (key: string) => {
  const out = await raw.send(new GetObjectCommand({ Bucket: B, Key: key }));
  const body = out.Body as unknown as AsyncIterable<Uint8Array>;
  return (await readAll(ReadableStream.from(body))).byteLength;
};
const rawChunks = async (key: string) => {
  const out = await raw.send(new GetObjectCommand({ Bucket: B, Key: key }));
  const sizes: number[] = [];
  for await (const c of out.Body as unknown as AsyncIterable<Uint8Array>) sizes.push(c.byteLength);
  return sizes;
};
const portGet = async (key: string) => (await (await port.get(key)).bytes()).byteLength;

const mode = process.argv[3] ?? 'all';
if (mode === 'all' || mode === 'get') {
  const sizes = await rawChunks('big');
  console.log(
    `GET 16 MiB arrives in ${sizes.length} chunks, median ${sizes.sort((a, b) => a - b)[sizes.length >> 1]} bytes`,
  );
  await compare(
    'GET 16 MiB',
    {
      raw: () => rawGet('big'),
      'raw + toWeb + readAll': () => rawGetViaWeb('big'),
      adapter: () => portGet('big'),
    },
    4,
  );
  await compare(
    'GET 4 KiB',
    {
      raw: () => rawGet('small'),
      'raw + toWeb + readAll': () => rawGetViaWeb('small'),
      'raw + ReadableStream.from + readAll': () => rawGetViaFrom('small'),
      adapter: () => portGet('small'),
    },
    150,
  );
}
if (mode === 'all' || mode === 'list') {
  const rawList = async () => {
    let n = 0;
    let token: string | undefined;
    let marker: string | undefined;
    for (;;) {
      if (listApi === 'v2') {
        const p = await raw.send(
          new ListObjectsV2Command({ Bucket: B, Prefix: 'l/', MaxKeys: 1000, ContinuationToken: token }),
        );
        n += p.Contents?.length ?? 0;
        if (!p.IsTruncated) return n;
        token = p.NextContinuationToken;
      } else {
        const p = await raw.send(
          new ListObjectsCommand({ Bucket: B, Prefix: 'l/', MaxKeys: 1000, Marker: marker }),
        );
        n += p.Contents?.length ?? 0;
        if (!p.IsTruncated) return n;
        marker = p.NextMarker ?? p.Contents?.at(-1)?.Key;
      }
    }
  };
  const portList = async () => {
    let n = 0;
    for await (const _ of port.list({ prefix: 'l/' })) n++;
    return n;
  };
  await compare('LIST 2000', { raw: rawList, adapter: portList }, 8);
  const keys = Array.from({ length: 1000 }, (_, i) => ({ key: `bench/list/${String(i).padStart(5, '0')}` }));
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) [...keys].sort((a, b) => compareUtf8(a.key, b.key));
  console.log(`sort of 1000 sorted keys with compareUtf8: ${((performance.now() - t0) / 20).toFixed(3)} ms`);
}
if (mode === 'all' || mode === 'put') {
  await compare(
    'PUT 16 MiB',
    {
      raw: () => raw.send(new PutObjectCommand({ Bucket: B, Key: 'p-raw', Body: big })),
      'adapter (multipart, 8 MiB parts)': () => port.put('p-a', big),
      'adapter partSize 32 MiB (1 PUT)': () => portSingle.put('p-s', big),
    },
    2,
    5,
  );
}
await port.close?.();
await portSingle.close?.();
raw.destroy();
await server.stop();
