/**
 * The costs plugin: storage requests, bytes and an estimated bill per resource and per storage operation.
 * `meter(port)` gives the database a port that routes each call, by its key (`resource=<name>/…`), to an
 * `instrumented` port of that resource, so the counting and the prices are the instrumented port's;
 * calls outside any resource (the catalog) are counted under `(database)`.
 */
import { bkError } from '../../errors.js';
import {
  type DeleteManyResult,
  type InstrumentedOptions,
  type InstrumentedPort,
  instrumented,
  type ListEntry,
  type ListOptions,
  type StoragePort,
  type UsageReport,
} from '../../storage/browser.js';
import type { Database } from '../database.js';
import type { Plugin } from '../plugin.js';

/** Where calls that belong to no resource (the catalog, capabilities) are counted. */
export const DATABASE_SCOPE = '(database)';
const RESOURCE_KEY = /^resource=([^/]+)\//;

export interface CostsReport {
  /** Per resource (and `(database)`): requests per operation, bytes and the estimated bill. */
  resources: Record<string, UsageReport>;
  requests: number;
  /** The sum of the resources' bills, in `currency`. */
  total: number;
  currency: string;
}

export interface CostsPlugin extends Plugin {
  /** The port to give the database (`storage`): `port`, with every call counted. */
  meter(port: StoragePort): StoragePort;
  report(): CostsReport;
  reset(): void;
}

/**
 * Creates the costs plugin; `prices` defaults to AWS S3 Standard (see `instrumented`).
 *
 * @example
 * ```ts
 * const bill = costs();
 * const db = await new Database({ storage: bill.meter(fileStorage('./data')), plugins: [bill] }).connect();
 * await db.resource('users').query({ country: 'US' });
 * console.log(bill.report().resources.users.operations.get?.requests, bill.report().total);
 * ```
 */
export function costs(options: Pick<InstrumentedOptions, 'prices' | 'partSize'> = {}): CostsPlugin {
  const counters = new Map<string, InstrumentedPort>();
  let metered: StoragePort | undefined;
  let base: StoragePort | undefined;
  const counter = (scope: string): InstrumentedPort => {
    let port = counters.get(scope);
    if (!port) {
      port = instrumented(base!, options);
      counters.set(scope, port);
    }
    return port;
  };
  const forKey = (key: string | undefined) => counter(RESOURCE_KEY.exec(key ?? '')?.[1] ?? DATABASE_SCOPE);

  const meter = (port: StoragePort): StoragePort => {
    if (base)
      throw bkError('InvalidArgument', 'this costs plugin already meters a port; make one per database');
    base = port;
    metered = routed(port, forKey);
    return metered;
  };

  return {
    name: 'costs',
    setup(db: Database) {
      if (!metered || db.port !== metered) {
        throw bkError(
          'InvalidArgument',
          'the costs plugin counts through its own port: create the database with `storage: plugin.meter(port)`',
        );
      }
    },
    meter,
    report() {
      const resources: Record<string, UsageReport> = {};
      let requests = 0;
      let total = 0;
      let currency = options.prices?.currency ?? 'USD';
      for (const [scope, port] of [...counters].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const usage = port.usage();
        resources[scope] = usage;
        requests += usage.requests;
        total += usage.cost.total;
        currency = usage.cost.currency;
      }
      return { resources, requests, total, currency };
    },
    reset() {
      for (const port of counters.values()) port.reset();
    },
  };
}

/** A port whose every call goes to `pick(key)`'s port (a listing by its prefix). */
function routed(base: StoragePort, pick: (key: string | undefined) => StoragePort): StoragePort {
  const multipart = base.multipart;
  return {
    name: base.name,
    ...(base.keyPrefix ? { keyPrefix: base.keyPrefix } : {}),
    capabilities: (o) => pick(undefined).capabilities(o),
    put: (key, body, o) => pick(key).put(key, body, o),
    get: (key, o) => pick(key).get(key, o),
    head: (key, o) => pick(key).head(key, o),
    list: (o: ListOptions = {}): AsyncIterable<ListEntry> => pick(o.prefix).list(o),
    delete: (key, o) => pick(key).delete(key, o),
    async deleteMany(keys, o): Promise<DeleteManyResult> {
      const groups = new Map<StoragePort, string[]>();
      for await (const key of keys) {
        const port = pick(key);
        groups.set(port, [...(groups.get(port) ?? []), key]);
      }
      let deleted = 0;
      for (const [port, group] of groups) deleted += (await port.deleteMany(group, o)).deleted;
      return { deleted };
    },
    copy: (source, destination, o) => pick(destination).copy(source, destination, o),
    ...(multipart
      ? {
          multipart: {
            create: (key, o) => pick(key).multipart!.create(key, o),
            uploadPart: (key, id, n, body, o) => pick(key).multipart!.uploadPart(key, id, n, body, o),
            uploadPartCopy: (key, id, n, source, o) =>
              pick(key).multipart!.uploadPartCopy(key, id, n, source, o),
            complete: (key, id, parts, o) => pick(key).multipart!.complete(key, id, parts, o),
            abort: (key, id, o) => pick(key).multipart!.abort(key, id, o),
          },
        }
      : {}),
    ...(base.presign ? { presign: (m, key, o) => pick(key).presign!(m, key, o) } : {}),
    ...(base.close ? { close: () => base.close!() } : {}),
  };
}
