import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserTour } from '../examples/browser.js';
import { datasetsTour } from '../examples/datasets.js';
import { dbTour } from '../examples/db.js';
import { deltaTour } from '../examples/delta.js';
import { erasureTour } from '../examples/erasure.js';
import { gatewayTour } from '../examples/gateway.js';
import { lakeTour } from '../examples/lake.js';
import { storageTour } from '../examples/storage.js';
import { connect, memoryStorage } from '../src/index.js';

/** Runs a tour in a fresh temp folder and returns the lines it logged. */
async function linesOf(
  tour: (root: string, log: (line: string) => void) => Promise<void>,
): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'bk-example-'));
  const lines: string[] = [];
  try {
    await tour(root, (line) => lines.push(line));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return lines;
}

describe('examples', () => {
  it('the storage tour runs end to end and reports what it did', async () => {
    const lines: string[] = [];
    await storageTour('memory://examples-test', (line) => lines.push(line));
    expect(lines).toContain('get hello.txt: "hello, bucketkit" (author=demo)');
    expect(lines).toContain('ranged get bytes 7-15: "bucketkit"');
    expect(lines).toContain('counter after 10 concurrent CAS increments: 10');
    expect(lines).toContain('folders under logs/: logs/2026-11-20/, logs/2026-11-21/, logs/2026-11-22/');
    expect(lines).toContain('typed error: NotFound');
    expect(lines.at(-1)).toMatch(/^requests: \d+, bytes in \d+, out \d+; on AWS S3 Standard/);
  });

  it('the lake tour ingests once, queries, counts, answers LogQL and compacts', async () => {
    const lines = await linesOf((root, log) => lakeTour(connect(`file://${root}`), log));
    expect(lines).toContain('ingested logs-raw/app-2026-01-02T10.json.gz: 2000 rows, 1 segment(s), 0 bad');
    expect(lines).toContain('ingesting the same file again publishes nothing: true');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^newest errors mentioning 10\.0\.3\.\*: 3 shown, e\.g\. "upstream timeout after \d+ ms calling 10\.0\.3\.\d+"$/,
      ),
    );
    // a fifth of each hour's 2,000 lines is ERROR, a fifth WARN
    expect(lines).toContain('rows per level over two hours: ERROR=800, INFO=2400, WARN=800');
    expect(lines).toContainEqual(expect.stringMatching(/^LogQL matrix: 3 series of timeouts by service/));
    expect(lines).toContain('compact(): 2 segments merged into 1');
    expect(lines).toContain(
      'ingested otel-raw/acme/collector-1/traces_2026-01-02T10.json: 100 spans, 1 segment(s)',
    );
    expect(lines).toContain(`trace ${'7'.padStart(32, '0')}: POST /checkout 40ms → INSERT orders 20ms`);
    expect(lines).toContain('found with 1 index read and 1 segment read');
    expect(lines).toContain('checkouts slower than 500 ms: 5');
    // @duckdb/node-api is a devDependency, so the tour's lake runs on DuckDB and answers SQL
    expect(lines).toContain('SQL: INSERT orders n=50 worst=875ms; POST /checkout n=50 worst=900ms');
  });

  it('the erasure tour loses two disks, reads byte-exact and heals', async () => {
    const lines = await linesOf(erasureTour);
    expect(lines).toContain('disks 1 and 4 deleted; the object still reads byte-exact: true');
    expect(lines).toContain('heal(): rebuilt 2 shards and 2 manifests');
  });

  it('the db tour validates, queries one partition, decrypts and counts concurrent updates', async () => {
    const lines: string[] = [];
    await dbTour(memoryStorage(), (line) => lines.push(line));
    expect(lines).toContain('inserted 20 users');
    expect(lines).toContain('an invalid email is refused: InvalidArgument');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^partition query country=US: 5 users \(USA is a different partition\), 6 requests$/,
      ),
    );
    expect(lines).toContain("user-3's secret reads back decrypted: true");
    expect(lines).toContain('visits after 10 concurrent updates: 10');
  });

  it('the gateway tour serves folders and an erasure set to the AWS SDK', async () => {
    expect(await linesOf(gatewayTour)).toEqual([
      'the AWS SDK wrote and read back: "meow"',
      'listed: cats/tom.txt',
      'a wrong secret is refused: SignatureDoesNotMatch',
      'erasure 2+2 bucket over S3: "the house is yours"',
    ]);
  });

  it('the datasets tour uploads, refuses an overlap, reads and reports gaps', async () => {
    const lines: string[] = [];
    await datasetsTour(memoryStorage(), (line) => lines.push(line));
    expect(lines).toContain('an overlapping upload is refused: InvalidArgument');
    expect(lines).toContain('datapoint 42: {"n":42,"celsius":20}');
    expect(lines).toContain('range 90-210 yields 21 datapoints');
    expect(lines).toContain('gaps: 101-200');
  });

  it('the delta tour stores releases as small deltas and reads them back byte-exact', async () => {
    const lines: string[] = [];
    await deltaTour(memoryStorage(), (line) => lines.push(line));
    const stored = Number(/stored as (\d+) bytes/.exec(lines[0] ?? '')?.[1]);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(20_000);
    expect(lines).toContain('app-1.4.tar reads back byte-exact: true');
  });

  it('the browser tour reads a db and a dataset with fetch only, and cannot write', async () => {
    expect(await linesOf(browserTour)).toEqual([
      'a page read the db: Solaris (partition byLang=pl)',
      'a page read datapoint 7: "frame 7"',
      'a page cannot write: Unsupported',
    ]);
  });
});
