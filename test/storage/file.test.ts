import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';

describeStoragePort(
  'file',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'bk-file-'));
    return { port: fileStorage(root), cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  { expectConditionalWrites: true },
);
