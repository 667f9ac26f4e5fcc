/**
 * bucketkit/erasure: one object striped over six folders (4 data + 2 parity); two "disks" lost, the
 * object still reads; heal() rebuilds them. Run: npx tsx examples/erasure.ts
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { erasure, heal } from '../src/erasure/index.js';
import { fileStorage } from '../src/index.js';

export async function erasureTour(root = './.bucketkit-demo/erasure', log = console.log): Promise<void> {
  const disks = Array.from({ length: 6 }, (_, i) => join(root, `disk${i}`));
  const port = erasure(
    disks.map((dir) => fileStorage(dir)),
    { parity: 2 },
  );
  log(`storage: ${port.name.slice(0, 40)}… (kernel: ${port.codec.kernel})`);
  const report = 'quarterly numbers '.repeat(100_000);
  const { size, etag } = await port.put('reports/q3.txt', report, { contentType: 'text/plain' });
  log(`put reports/q3.txt: ${size} bytes over 6 disks, etag ${etag}`);

  await rm(disks[1]!, { recursive: true, force: true });
  await rm(disks[4]!, { recursive: true, force: true });
  const back = await (await port.get('reports/q3.txt')).text();
  log(`disks 1 and 4 deleted; the object still reads byte-exact: ${back === report}`);

  const healed = await heal(port);
  log(`heal(): rebuilt ${healed.shardsRebuilt} shards and ${healed.manifestsRepaired} manifests`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await erasureTour();
}
