import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delta } from '../../src/delta/index.js';
import { fileStorage, memoryStorage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';

// Default policy: archives (.zip, .tar, ...) become deltas, everything else is stored as it is.
describeStoragePort('delta(memory), default policy', () => delta(memoryStorage()), {
  expectConditionalWrites: true,
});

// Every key is a delta candidate, so every test of the suite goes through the DeltaSpace layout:
// references, zero-diff and real deltas, direct fallbacks, renamed listings.
describeStoragePort(
  "delta(memory), archiveTypes ['*']",
  () => delta(memoryStorage(), { archiveTypes: ['*'] }),
  // Delta candidates are encoded in memory (up to `maxDeltaSize`): the 64 MiB streamed round trip runs
  // with the default policy above, where a .bin key streams straight through.
  { expectConditionalWrites: true, large: false },
);

describeStoragePort(
  "delta(file), archiveTypes ['*']",
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-delta-conf-'));
    return {
      port: delta(fileStorage(root, { durable: false }), { archiveTypes: ['*'] }),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { expectConditionalWrites: true, large: false },
);
