// What the multi-process lake tests share: forking a worker from fixtures/ and a Ceph RGW port that the
// test and its workers open alike.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { StoragePort } from '../../src/storage/index.js';
import { startCephRgw } from '../support/servers.js';
import { type PortSpec, portOf } from './fixtures/port-spec.js';

/** Runs `fixtures/<script>` in its own process; resolves with the number it reports. */
export function runWorker(script: string, args: string[]): Promise<number> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'fixtures', script), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { result?: number; error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m.result!),
    );
    child.on('exit', (code) => code !== 0 && reject(new Error(`${script} exited with ${code}`)));
  });
}

/** A fresh Ceph RGW bucket, its port and the spec workers open it from; stopped by `cleanups`. */
export async function cephLake(
  name: string,
  cleanups: (() => Promise<void>)[],
): Promise<{ port: StoragePort; spec: PortSpec }> {
  const server = await startCephRgw(name);
  cleanups.push(() => server.stop());
  const spec = {
    bucket: server.bucket,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  };
  const port = portOf(JSON.stringify(spec));
  cleanups.unshift(async () => port.close?.());
  return { port, spec };
}
