/**
 * bucketkit/delta: versions of an artifact stored as VCDIFF deltas against one reference, in
 * DeltaGlider's layout. Run: npx tsx examples/delta.ts
 */
import { DeltaSpace } from '../src/delta/index.js';
import { connect, type StoragePort } from '../src/index.js';

/** A fake release archive: the same "files" with a few lines changed per version. */
function release(version: number): Uint8Array {
  const lines: string[] = [];
  for (let file = 0; file < 200; file++) {
    for (let line = 0; line < 40; line++) {
      const changed = (file * 40 + line) % 97 === version % 97;
      lines.push(`src/file${file}.ts:${line} export const value${line} = ${changed ? version : line};`);
    }
  }
  return new TextEncoder().encode(lines.join('\n'));
}

export async function deltaTour(port: StoragePort, log = console.log): Promise<void> {
  const space = new DeltaSpace(port, { prefix: 'releases/app' });
  let original = 0;
  let stored = 0;
  for (let version = 1; version <= 5; version++) {
    const result = await space.put(`app-1.${version}.tar`, release(version));
    original += result.size;
    stored += result.storedSize;
  }
  log(`5 releases: ${original} bytes, stored as ${stored} bytes of deltas (plus one reference)`);
  const back = await space.get('app-1.4.tar');
  log(`app-1.4.tar reads back byte-exact: ${Buffer.from(back).equals(Buffer.from(release(4)))}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await deltaTour(connect('file://./.bucketkit-demo/delta'));
}
