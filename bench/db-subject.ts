import { subscribe } from 'node:diagnostics_channel';

/** What bench/db.ts measures, implemented once per library. */
export interface DbSubject {
  name: 'bucketkit' | 's3db.js';
  insert(record: BenchRecord): Promise<void>;
  /** Resolves to whether the record was found. */
  get(id: string): Promise<boolean>;
  update(id: string, changes: Partial<BenchRecord>): Promise<void>;
  /** Reads every record (data, not only ids); resolves to how many. */
  list(): Promise<number>;
  /** Records whose `country` equals `country`, through the partition; resolves to how many. */
  partitionQuery(country: string): Promise<number>;
  count(): Promise<number>;
  /** S3 requests sent so far. */
  requests(): number;
  close(): Promise<void>;
}

export interface BenchRecord {
  id: string;
  name: string;
  email: string;
  country: string;
  score: number;
  active: boolean;
}

export const RECORDS = 1000;

/**
 * Ten countries, chosen so that one is a prefix of another ('US' and 'USA'): a partition query for 'US'
 * must return 100 records, not 200.
 */
const COUNTRIES = ['US', 'USA', 'BR', 'DE', 'FR', 'JP', 'IN', 'CA', 'GB', 'ES'];

export function recordFor(i: number): BenchRecord {
  return {
    id: `user-${String(i).padStart(6, '0')}`,
    name: `User number ${i}`,
    email: `user${i}@example.com`,
    country: COUNTRIES[i % COUNTRIES.length] ?? 'US',
    score: i,
    active: i % 3 === 0,
  };
}

let httpRequests = 0;
// node:http (the AWS SDK's NodeHttpHandler, bucketkit's lean S3 path) and undici (fetch, and the
// HTTP client s3db.js 21 sends its requests through) each announce every request they start.
for (const channel of ['http.client.request.start', 'undici:request:create']) {
  subscribe(channel, () => {
    httpRequests++;
  });
}

/**
 * HTTP requests this process has sent so far, whatever sent them (node:http or undici).
 * Both libraries are counted by this one counter; the benchmark runs them one at a time, so the
 * difference across a measurement belongs to the library being measured.
 */
export function httpRequestsSent(): number {
  return httpRequests;
}
