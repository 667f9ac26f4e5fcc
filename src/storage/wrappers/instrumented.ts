import { getResult } from '../contract/body.js';
import type { GetResult, ListEntry, ListOptions, StoragePort } from '../contract/port.js';

/** Request prices as data. Class A: PUT, COPY, POST, LIST; class B: GET, HEAD; DELETE is free. */
export interface PriceTable {
  name: string;
  currency: string;
  classAPer1000: number;
  classBPer1000: number;
  transferOutPerGiB: number;
}

/** AWS S3 Standard list prices, us-east-1 (first transfer tier), as published in 2026. */
export const AWS_S3_STANDARD: PriceTable = {
  name: 'AWS S3 Standard (us-east-1)',
  currency: 'USD',
  classAPer1000: 0.005,
  classBPer1000: 0.0004,
  transferOutPerGiB: 0.09,
};

export type Operation =
  | 'put'
  | 'get'
  | 'head'
  | 'list'
  | 'delete'
  | 'deleteMany'
  | 'copy'
  | 'multipart'
  | 'presign'
  | 'capabilities';

export interface OperationStats {
  calls: number;
  errors: number;
  /** Backend requests this cost (a listing pages, a large upload has parts). */
  requests: number;
  /** Bytes sent to storage. */
  bytesIn: number;
  /** Bytes read from storage. */
  bytesOut: number;
  /** Total time spent in calls, in milliseconds. */
  ms: number;
}

export interface UsageReport {
  operations: Partial<Record<Operation, OperationStats>>;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Estimated bill for what was counted, in `prices.currency`. */
  cost: { requests: number; transfer: number; total: number; currency: string; prices: string };
}

export interface InstrumentedPort extends StoragePort {
  /** What has been counted since creation or the last `reset()`. */
  usage(): UsageReport;
  reset(): void;
}

export interface InstrumentedOptions {
  prices?: PriceTable;
  /** Bodies larger than this are assumed to go up in parts of this size (S3 adapter default, 8 MiB). */
  partSize?: number;
  /** Called after each operation, for logging or metrics. */
  onOperation?: (event: { operation: Operation; key?: string; ms: number; error?: unknown }) => void;
}

const CLASS_A: Operation[] = ['put', 'list', 'copy', 'multipart'];
const CLASS_B: Operation[] = ['get', 'head'];

/**
 * Wraps a port and counts requests per operation, bytes in and out, and an estimated bill.
 *
 * @example
 * ```ts
 * const port = instrumented(connect('s3://bucket'));
 * await db.resource('users').list();
 * console.table(port.usage().operations);
 * ```
 */
export function instrumented(port: StoragePort, options: InstrumentedOptions = {}): InstrumentedPort {
  const prices = options.prices ?? AWS_S3_STANDARD;
  const partSize = options.partSize ?? 8 * 1024 * 1024;
  let stats: Partial<Record<Operation, OperationStats>> = {};
  const entry = (operation: Operation): OperationStats => {
    stats[operation] ??= { calls: 0, errors: 0, requests: 0, bytesIn: 0, bytesOut: 0, ms: 0 };
    return stats[operation];
  };
  /** Counts an operation's start; `end()` adds its time and reports it once, with the error when it failed. */
  function begin(operation: Operation, key: string | undefined, requests: number) {
    const started = performance.now();
    const row = entry(operation);
    row.calls++;
    row.requests += requests;
    let failure: { error: unknown } | undefined;
    return {
      row,
      failed(error: unknown): void {
        row.errors++;
        failure = { error };
      },
      end(): void {
        const ms = performance.now() - started;
        row.ms += ms;
        options.onOperation?.({ operation, ...(key ? { key } : {}), ms, ...failure });
      },
    };
  }
  async function track<T>(
    operation: Operation,
    key: string | undefined,
    run: () => Promise<T>,
    requests = 1,
  ): Promise<T> {
    const op = begin(operation, key, requests);
    try {
      return await run();
    } catch (error) {
      op.failed(error);
      throw error;
    } finally {
      op.end();
    }
  }
  const countDownload = (result: GetResult): GetResult => {
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        entry('get').bytesOut += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const info = {
      key: result.key,
      size: result.size,
      etag: result.etag,
      lastModified: result.lastModified,
      metadata: result.metadata,
      ...(result.contentType ? { contentType: result.contentType } : {}),
    };
    const source = {
      stream: () => result.body.pipeThrough(counter),
      bytes: async () => {
        const bytes = await result.bytes();
        entry('get').bytesOut += bytes.byteLength;
        return bytes;
      },
    };
    return getResult(info, source, result.range);
  };
  const multipart = port.multipart;
  const presign = port.presign?.bind(port);
  return {
    name: port.name,
    ...(port.keyPrefix ? { keyPrefix: port.keyPrefix } : {}),
    capabilities: (o) => track('capabilities', undefined, () => port.capabilities(o), 0),
    async put(key, body, o) {
      const result = await track('put', key, () => port.put(key, body, o));
      const row = entry('put');
      row.bytesIn += result.size;
      if (result.size > partSize) row.requests += Math.ceil(result.size / partSize) + 1;
      return result;
    },
    get: async (key, o) => countDownload(await track('get', key, () => port.get(key, o))),
    head: (key, o) => track('head', key, () => port.head(key, o)),
    async *list(o: ListOptions = {}): AsyncGenerator<ListEntry> {
      // timed while the listing is open, the caller's pauses included
      const op = begin('list', undefined, 1);
      let seen = 0;
      const pageSize = o.pageSize ?? 1000;
      try {
        for await (const item of port.list(o)) {
          if (++seen > pageSize && seen % pageSize === 1) op.row.requests++;
          yield item;
        }
      } catch (error) {
        op.failed(error);
        throw error;
      } finally {
        op.end();
      }
    },
    delete: (key, o) => track('delete', key, () => port.delete(key, o)),
    deleteMany: async (keys, o) => {
      const result = await track('deleteMany', undefined, () => port.deleteMany(keys, o), 0);
      entry('deleteMany').requests += Math.ceil(result.deleted / 1000);
      return result;
    },
    copy: (source, destination, o) => track('copy', destination, () => port.copy(source, destination, o)),
    ...(multipart
      ? {
          multipart: {
            create: (key, o) => track('multipart', key, () => multipart.create(key, o)),
            async uploadPart(key, id, n, body, o) {
              const part = await track('multipart', key, () => multipart.uploadPart(key, id, n, body, o));
              entry('multipart').bytesIn += body.byteLength;
              return part;
            },
            uploadPartCopy: (key, id, n, s, o) =>
              track('multipart', key, () => multipart.uploadPartCopy(key, id, n, s, o)),
            complete: (key, id, parts, o) =>
              track('multipart', key, () => multipart.complete(key, id, parts, o)),
            abort: (key, id, o) => track('multipart', key, () => multipart.abort(key, id, o), 0),
          },
        }
      : {}),
    ...(presign ? { presign: (m, key, o) => track('presign', key, () => presign(m, key, o), 0) } : {}),
    ...(port.close ? { close: () => port.close!() } : {}),
    usage: () => report(stats, prices),
    reset() {
      stats = {};
    },
  };
}

function report(stats: Partial<Record<Operation, OperationStats>>, prices: PriceTable): UsageReport {
  let requests = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let classA = 0;
  let classB = 0;
  for (const [operation, row] of Object.entries(stats) as [Operation, OperationStats][]) {
    requests += row.requests;
    bytesIn += row.bytesIn;
    bytesOut += row.bytesOut;
    if (CLASS_A.includes(operation)) classA += row.requests;
    if (CLASS_B.includes(operation)) classB += row.requests;
  }
  const requestCost = (classA * prices.classAPer1000 + classB * prices.classBPer1000) / 1000;
  const transfer = (bytesOut / 2 ** 30) * prices.transferOutPerGiB;
  return {
    operations: structuredClone(stats),
    requests,
    bytesIn,
    bytesOut,
    cost: {
      requests: requestCost,
      transfer,
      total: requestCost + transfer,
      currency: prices.currency,
      prices: prices.name,
    },
  };
}
