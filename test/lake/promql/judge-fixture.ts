/**
 * The judge's two systems, fed the same samples: a real Prometheus (Debian's 2.42, backfilled with promtool)
 * and a lake server on the file port (remote-written through its own `/api/v1/write`). Each judge test file
 * starts one in `beforeAll` and stops it in `afterAll`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  createLakeServer,
  type ListeningLakeServer,
  prometheusRoutes,
  remoteWriteRoute,
} from '../../../src/lake/http/index.js';
import { fileStorage, type StoragePort } from '../../../src/storage/index.js';
import { requireDebian } from '../../support/debian.js';
import { type JudgeSeries, judgeSeries, toOpenMetrics, toRemoteWrite } from './judge-data.js';
import { type ApiAnswer, apiGet, type RealPrometheus, startPrometheus } from './real-prometheus.js';

export interface JudgeFixture {
  series: JudgeSeries[];
  prometheus: RealPrometheus;
  lake: ListeningLakeServer;
  /** The lake's bucket (org `acme`). */
  port: StoragePort;
  /** The same GET against Prometheus and the lake: `[theirs, ours]`. */
  both(path: string, params: Record<string, string>): Promise<[ApiAnswer, ApiAnswer]>;
  stop(): Promise<void>;
}

/** Starts both systems with the judge's series, remote-written in batches of `batchMs` of samples. */
export async function startJudge(name: string, batchMs: number): Promise<JudgeFixture> {
  requireDebian('prometheus');
  const series = judgeSeries();
  const dir = await mkdtemp(join(tmpdir(), `lake-${name}-`));
  let prometheus: RealPrometheus | undefined;
  let lake: ListeningLakeServer | undefined;
  const stop = async () => {
    await lake?.close();
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    prometheus = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    const port = fileStorage(join(dir, 'bucket'));
    lake = await createLakeServer([
      remoteWriteRoute(port, { org: 'acme' }),
      ...prometheusRoutes(port, { org: 'acme' }),
    ]).listen();
    for (const body of toRemoteWrite(series, batchMs)) {
      const res = await fetch(`${lake.url}/api/v1/write`, {
        method: 'POST',
        body: Buffer.from(body),
        headers: { 'content-encoding': 'snappy' },
      });
      expect(res.status).toBe(204);
    }
    const theirs = prometheus;
    const ours = lake;
    return {
      series,
      prometheus: theirs,
      lake: ours,
      port,
      both: async (path, params) => [
        await apiGet(theirs.url, path, params),
        await apiGet(ours.url, path, params),
      ],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
