/**
 * One benchmark server in a process of its own, so that it does not share the client's event loop
 * (Ceph RGW runs in its own processes too). Started by bench/gateway.ts:
 *
 *   node --import tsx bench/gateway-server.ts gateway|gateway-durable|s3rver
 *
 * Prints the server's endpoint and keys as one JSON line, and stops when its stdin closes.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, folderBuckets } from '../src/gateway/index.js';
import { type S3Server, startS3rver } from '../test/support/servers.js';

async function startBucketkit(durable: boolean): Promise<S3Server> {
  const root = await mkdtemp(join(tmpdir(), 'bk-bench-gateway-'));
  const buckets = folderBuckets(root, { durable });
  await buckets.create('bench');
  const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
  const listening = await createGateway({ buckets, credentials: [credentials] }).listen(0);
  return {
    name: durable ? 'gateway (file, durable)' : 'gateway (file, durable: false)',
    endpoint: listening.endpoint,
    ...credentials,
    bucket: 'bench',
    async stop() {
      await listening.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const kind = process.argv[2];
const server =
  kind === 's3rver'
    ? await startS3rver('bench')
    : kind === 'gateway' || kind === 'gateway-durable'
      ? await startBucketkit(kind === 'gateway-durable')
      : undefined;
if (!server) throw new Error(`unknown server "${kind}": use gateway, gateway-durable or s3rver`);
const { stop, ...shown } = server;
process.stdout.write(`${JSON.stringify(shown)}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  void stop().finally(() => process.exit(0));
});
