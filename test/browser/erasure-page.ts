// The page the browser test runs: bundled for the browser with the codec's browser entry.
import { createCodec, jsKernel } from '../../src/erasure/browser.js';
import { CASES, runCase } from './erasure-cases.js';
import { report } from './page-kit.js';

report(async () => ({
  results: CASES.map((c, i) => {
    const codec = createCodec({ dataShards: c.k, parityShards: c.m });
    const reference = createCodec({ dataShards: c.k, parityShards: c.m, kernel: jsKernel });
    return { kernel: codec.kernel, ...runCase(codec, reference, c, i + 1) };
  }),
}));
