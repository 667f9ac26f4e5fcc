/**
 * Backpressure with the real client: Debian's Prometheus 2.42 scrapes a target and remote-writes into the
 * lake's receiver, configured to take one request at a time (`maxInFlight: 1`). The test holds that one
 * slot with a request of its own whose body it does not finish, so every batch Prometheus sends meanwhile
 * gets the receiver's busy answer (503 with Retry-After; Prometheus retries 5xx, but 429 only with
 * `retry_on_http_429`, so the lake answers 503). Once the slot is released, Prometheus's retries land and
 * every scraped sample is in the lake exactly once: the same samples, at the same times, as Prometheus's
 * own TSDB, and Prometheus counts retries and no failed or dropped sample.
 *
 * The target gives each sample an explicit timestamp in the middle of its own 10 s bucket (Prometheus
 * honours them), so the lake's 10 s rows hold one sample each and the answers compare exactly whatever
 * the scrape timing. The times start after the first scrape (Prometheus remote-writes only samples newer
 * than its remote-write start) and run ahead of the clock by up to two minutes; queries ask at the last one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { type ClientRequest, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLakeServer,
  type LakeRoute,
  type ListeningLakeServer,
  prometheusRoutes,
  remoteWriteRoute,
} from '../../../src/lake/http/index.js';
import { readMetricDayIndex } from '../../../src/lake/metrics/index.js';
import { dateintOf } from '../../../src/lake/names.js';
import { fileStorage } from '../../../src/storage/index.js';
import { requireDebian } from '../../support/debian.js';
import { apiGet, type RealPrometheus, startPrometheus } from './real-prometheus.js';

const SCRAPES = 12;
const STEP = 7;
/** Sample 1's time: 5 s into the 10 s bucket after the first scrape's. */
let anchor = 0;
/** Sample n's time: 10 s apart, each in its own bucket. */
const at = (n: number) => anchor + (n - 1) * 10_000;

let dir: string;
let target: Server;
let scrapes = 0;
let prometheus: RealPrometheus;
let lake: ListeningLakeServer;
/** Remote-write requests the receiver has started on, and the status of every answer, in order. */
let started = 0;
const statuses: number[] = [];
let held: { req: ClientRequest; answered: Promise<number> } | undefined;

/** Scrape n: a counter rising by STEP and a gauge, both stamped with sample n's time. */
function exposition(n: number): string {
  return [
    '# TYPE bp_requests_total counter',
    `bp_requests_total{path="/a"} ${n * STEP} ${at(n)}`,
    '# TYPE bp_temperature gauge',
    `bp_temperature ${20 + (n % 5) / 4} ${at(n)}`,
    '',
  ].join('\n');
}

/** The receiver, with every answer's status recorded. */
function counted(route: LakeRoute): LakeRoute {
  return {
    ...route,
    async handler(req, res) {
      started++;
      await route.handler(req, res);
      statuses.push(res.statusCode);
    },
  };
}

/** Starts a remote-write request that sends its headers and a few bytes, then waits: it holds a slot. */
function holdSlot(url: string): { req: ClientRequest; answered: Promise<number> } {
  const req = request(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(Buffer.from([0xff]));
  return { req, answered };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${prometheus?.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A counter or gauge of Prometheus's own /metrics, summed over its series. */
async function ownMetric(name: string): Promise<number> {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (lines.length === 0) throw new Error(`Prometheus has no metric ${name}`);
  return lines.reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  requireDebian('prometheus');
  dir = await mkdtemp(join(tmpdir(), 'lake-backpressure-'));
  const port = fileStorage(join(dir, 'bucket'));
  lake = await createLakeServer([
    counted(remoteWriteRoute(port, { org: 'acme', maxInFlight: 1, retryAfterSeconds: 1 })),
    ...prometheusRoutes(port, { org: 'acme' }),
  ]).listen();
  held = holdSlot(lake.url);
  await until('the held request reaching the receiver', () => started === 1);
  target = createServer((_req, res) => {
    if (scrapes >= SCRAPES) {
      res.writeHead(404).end();
      return;
    }
    if (scrapes === 0) anchor = Math.floor(Date.now() / 10_000) * 10_000 + 15_000;
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(scrapes));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.address() as AddressInfo).port;
  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: bp',
      '    honor_timestamps: true',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${targetPort}']`,
      'remote_write:',
      `  - url: ${lake.url}/api/v1/write`,
      '    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }',
      '',
    ].join('\n'),
  });
}, 180_000);

afterAll(async () => {
  held?.req.destroy();
  await prometheus?.stop();
  await lake?.close();
  await new Promise((r) => target?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const query = (q: string, base = lake.url) =>
  apiGet(base, '/api/v1/query', { query: q, time: String(at(SCRAPES) / 1000 + 1) });
type Vector = { metric: Record<string, string>; value: [number, string] }[];
type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

describe('the real Prometheus against a busy lake', () => {
  it('gets 503 while the receiver is full, retries, and every scraped sample lands exactly once', async () => {
    // every scrape served while the slot is held, and Prometheus refused several times meanwhile
    await until('every scrape', () => scrapes >= SCRAPES);
    await until('three refusals', () => statuses.filter((s) => s === 503).length >= 3);
    expect(statuses.every((s) => s === 503)).toBe(true); // nothing got through the full receiver
    expect(await ownMetric('prometheus_remote_storage_samples_retried_total')).toBeGreaterThan(0);
    const refused = statuses.length;

    // release the slot: the held request's body is finished as garbage, which is a 400 that writes nothing
    held!.req.end(Buffer.from('not snappy'));
    expect(await held!.answered).toBe(400);
    const count = 'count_over_time(bp_requests_total[30m])';
    await until('every sample in the lake', async () => {
      const result = ((await query(count)).body.data as { result?: Vector } | undefined)?.result;
      return result?.[0]?.value[1] === String(SCRAPES);
    });
    expect(statuses.slice(refused)).toContain(204);

    // the lake holds exactly what Prometheus stored: same series, same times, same values, once each
    const selector = '{job="bp",__name__=~"bp_.*"}[30m]';
    const theirs = ((await query(selector, prometheus.url)).body.data as { result: Matrix }).result;
    const ours = ((await query(selector)).body.data as { result: Matrix }).result;
    const byName = (m: Matrix) =>
      Object.fromEntries(m.map((s) => [JSON.stringify(s.metric, Object.keys(s.metric).sort()), s.values]));
    expect(theirs).toHaveLength(2);
    expect(byName(ours)).toEqual(byName(theirs));
    const counter = theirs.find((s) => s.metric.__name__ === 'bp_requests_total')!;
    expect(counter.values).toEqual(
      Array.from({ length: SCRAPES }, (_, i) => [at(i + 1) / 1000, String((i + 1) * STEP)]),
    );
    for (const q of ['sum_over_time(bp_requests_total[30m])', 'count_over_time(bp_temperature[30m])']) {
      const [p, l] = [await query(q, prometheus.url), await query(q)];
      expect((l.body.data as { result: Vector }).result[0]!.value[1], q).toBe(
        (p.body.data as { result: Vector }).result[0]!.value[1],
      );
    }
    // every stored batch ingested once; Prometheus dropped and failed nothing
    const { index } = await readMetricDayIndex(fileStorage(join(dir, 'bucket')), 'acme', dateintOf(at(1)));
    const sources = index.segments.flatMap((s) => s.sources);
    expect(new Set(sources).size).toBe(sources.length);
    expect(await ownMetric('prometheus_remote_storage_samples_failed_total')).toBe(0);
    expect(await ownMetric('prometheus_remote_storage_samples_dropped_total')).toBe(0);
  }, 300_000);
});
