import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import type { StoragePort } from '../storage/index.js';
import { prefixed } from '../storage/index.js';
import { bodyTests } from './suite-bodies.js';
import { conditionalTests } from './suite-conditional.js';
import { keyTests } from './suite-keys.js';
import { listTests } from './suite-list.js';
import { objectTests } from './suite-objects.js';

/** A port under test, with an optional teardown (stop a server, remove a folder). */
export interface PortUnderTest {
  port: StoragePort;
  cleanup?: () => Promise<void>;
}

/**
 * Defects of the server behind a port that the suite knows about. Each value is the reason, shown in
 * the test name. The suite then asserts the defective behaviour instead of the correct one, so the
 * day the server is fixed the test fails and the marker can go: defects are marked, never hidden.
 */
export interface KnownDefects {
  /** With a delimiter, a "folder" that holds only deeper keys is left out of the common prefixes (s3rver). */
  delimiterOmitsDeepOnlyPrefixes?: string;
  /**
   * The server stores keys as file paths: `.`, `..` and empty segments are collapsed or refused, and a
   * segment longer than a file name (255 bytes) crashes it (s3rver).
   */
  keysAsPaths?: string;
}

export interface ConformanceOptions {
  knownDefects?: KnownDefects;
  /** What `capabilities().conditionalWrites` must say for this port; checked when given. */
  expectConditionalWrites?: boolean;
  /** Run the 64 MiB streamed round trip (default true). */
  large?: boolean;
  /** Per-test timeout in ms (default 120 000). */
  timeout?: number;
}

/** What each group of tests gets: the port, scoped to a fresh prefix for this run. */
export interface SuiteContext {
  port(): StoragePort;
  options: ConformanceOptions;
  timeout: number;
}

/**
 * Registers the StoragePort conformance suite with vitest. Plugin authors run it on their own
 * adapters; bucketkit runs it on memory, file and s3 against real S3 servers.
 *
 * Every test works under a fresh random prefix of the port, so the suite can share a bucket.
 *
 * @example
 * ```ts
 * import { describeStoragePort } from 'bucketkit/testing';
 * describeStoragePort('my-adapter', async () => ({ port: myAdapter(), cleanup: () => myAdapter.close() }));
 * ```
 */
export function describeStoragePort(
  name: string,
  factory: () => Promise<StoragePort | PortUnderTest> | StoragePort | PortUnderTest,
  options: ConformanceOptions = {},
): void {
  describe(`StoragePort conformance: ${name}`, () => {
    let underTest: PortUnderTest | undefined;
    let scoped: StoragePort | undefined;
    const timeout = options.timeout ?? 120_000;
    beforeAll(async () => {
      const made = await factory();
      underTest = 'port' in made && !('put' in made) ? made : { port: made as StoragePort };
      scoped = prefixed(underTest.port, `conformance-${randomUUID()}/`);
    }, timeout);
    afterAll(async () => {
      if (scoped) {
        const keys: string[] = [];
        for await (const entry of scoped.list()) if (entry.type === 'object') keys.push(entry.key);
        await scoped.deleteMany(keys).catch(() => {});
      }
      await underTest?.port.close?.();
      await underTest?.cleanup?.();
    }, timeout);
    const context: SuiteContext = {
      port: () => {
        if (!scoped) throw new Error('the port factory failed; see the beforeAll error');
        return scoped;
      },
      options,
      timeout,
    };
    bodyTests(context);
    objectTests(context);
    keyTests(context);
    listTests(context);
    conditionalTests(context);
  });
}
