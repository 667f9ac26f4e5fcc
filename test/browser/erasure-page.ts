// The page the browser test runs: bundled for the browser with the codec's browser entry.
import { createCodec, jsKernel } from '../../src/erasure/browser.js';
import { CASES, runCase } from './erasure-cases.js';

async function main() {
  const results = CASES.map((c, i) => {
    const codec = createCodec({ dataShards: c.k, parityShards: c.m });
    const reference = createCodec({ dataShards: c.k, parityShards: c.m, kernel: jsKernel });
    return { kernel: codec.kernel, ...runCase(codec, reference, c, i + 1) };
  });
  await fetch('/result', { method: 'POST', body: JSON.stringify({ results }) });
}

main().catch((err: unknown) =>
  fetch('/result', { method: 'POST', body: JSON.stringify({ error: String((err as Error)?.stack ?? err) }) }),
);
