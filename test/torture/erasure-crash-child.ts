/**
 * The writer of erasure-crash.test.ts: puts (and now and then deletes) keys on erasure 4+2 over six
 * folders until it is killed, printing `ack <key> <generation>` (or `del <key> <generation>`) once a
 * call has returned. A version's bytes name their key and generation, so a reader can tell a whole
 * version from anything else.
 */
import { erasure } from '../../src/erasure/index.js';
import { fileStorage } from '../../src/index.js';
import { versionBytes } from './erasure-crash-versions.js';

const { roots, keys, gen } = JSON.parse(process.argv[2]!) as { roots: string[]; keys: string[]; gen: number };
const port = erasure(
  roots.map((root) => fileStorage(root, { durable: false })),
  { parity: 2, blockSize: 4096, hedgeAfterMs: 50 },
);
let generation = gen;
for (;;) {
  const key = keys[generation % keys.length]!;
  generation++;
  if (generation % 11 === 0) {
    process.stdout.write(`try-del ${key} ${generation}\n`);
    await port.delete(key);
    process.stdout.write(`del ${key} ${generation}\n`);
  } else {
    await port.put(key, versionBytes(key, generation));
    process.stdout.write(`ack ${key} ${generation}\n`);
  }
}
