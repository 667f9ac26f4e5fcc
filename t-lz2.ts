import { readFileSync } from 'node:fs';
import { encodeDelta } from './src/delta/vcdiff/index.js';
const a = readFileSync('/tmp/lz/a'), b = readFileSync('/tmp/lz/b');
for (let i = 0; i < 4; i++) {
  let t0 = performance.now();
  const plain = encodeDelta(a, b);
  const t1 = performance.now();
  const lz = encodeDelta(a, b, { secondary: 'lzma' });
  console.log('plain', plain.length, (t1-t0).toFixed(1), 'lzma', lz.length, (performance.now()-t1).toFixed(1),'ms');
}
