// What the db plugins' multi-process tests share: ports a test and its child processes open alike (a
// folder, or a prefix of a Ceph RGW bucket) and forking a worker from fixtures/.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoragePort } from '../../../src/storage/index.js';
import { startCephRgw } from '../../support/servers.js';
import { type PortSpec, portOf } from './fixtures/port-spec.js';

export interface SharedPorts {
  name: string;
  /** A fresh empty port and the spec a worker opens the same port from. */
  make(): Promise<{ port: StoragePort; spec: PortSpec }>;
  stop(): Promise<void>;
}

let counter = 0;

export async function fileShared(): Promise<SharedPorts> {
  const root = await mkdtemp(join(tmpdir(), 'bk-dbp-'));
  return {
    name: 'file',
    async make() {
      const spec = { root: join(root, `db${counter++}`) };
      return { port: portOf(spec), spec };
    },
    stop: () => rm(root, { recursive: true, force: true }),
  };
}

export async function cephShared(): Promise<SharedPorts> {
  const server = await startCephRgw('dbplugins');
  return {
    name: 'ceph-rgw',
    async make() {
      const spec: PortSpec = {
        bucket: server.bucket,
        endpoint: server.endpoint,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        prefix: `t${counter++}/`,
      };
      return { port: portOf(spec), spec };
    },
    stop: () => server.stop(),
  };
}

/** Starts `fixtures/<script>` with `args`; the caller waits for its exit or kills it. */
export function startWorker(script: string, args: string[]): ChildProcess {
  return fork(join(import.meta.dirname, 'fixtures', script), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the worker's exit code (null when killed by a signal) and the messages it sent. */
export function exited(child: ChildProcess): Promise<{ code: number | null; messages: unknown[] }> {
  const messages: unknown[] = [];
  child.on('message', (m) => messages.push(m));
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, messages });
    else child.once('exit', (code) => resolve({ code, messages }));
  });
}

/** Runs a worker to its end; rejects unless it exits 0. */
export async function runWorker(script: string, args: string[]): Promise<unknown[]> {
  const { code, messages } = await exited(startWorker(script, args));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return messages;
}
