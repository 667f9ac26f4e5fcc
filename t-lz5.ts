import { RangeEncoder } from './src/delta/vcdiff/range-encoder.js';
import { randomBytes } from './test/delta/edits.js';
const v = randomBytes(1 << 20, 4);
const probs = new Uint16Array(0x300).fill(1024);
for (let r = 0; r < 3; r++) {
  const rc = new RangeEncoder();
  const t0 = performance.now();
  for (let i = 0; i < v.length; i++) { rc.tree(probs, 0, 8, v[i]!); if (rc.pending > 60000) rc.reset(); }
  console.log('tree', (performance.now()-t0).toFixed(0));
}
