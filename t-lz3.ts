import { LzmaSectionStream } from './src/delta/vcdiff/lzma-sections.js';
import { textLike, randomBytes } from './test/delta/edits.js';
import { readFileSync } from 'node:fs';
const inputs = { text: textLike(2 << 20, 3), random: randomBytes(1 << 20, 4), js: new Uint8Array(readFileSync('node_modules/typescript/lib/typescript.js').subarray(0, 2 << 20)) };
for (let r = 0; r < 2; r++) for (const [k, v] of Object.entries(inputs)) {
  const t0 = performance.now();
  const out = new LzmaSectionStream().compress(v);
  const ms = performance.now() - t0;
  console.log(k, v.length, out?.length, ms.toFixed(0), 'ms', (v.length / 1e3 / ms).toFixed(2), 'MB/s');
}
