import { describe, expect, it } from 'vitest';
import { createCodec, jsKernel } from '../../src/erasure/browser.js';
import { runPage } from './chromium.js';
import { CASES, runCase } from './erasure-cases.js';

describe('the erasure codec in a browser (headless Chromium)', () => {
  it('bundles for the browser without Node modules, picks the WebAssembly kernel and matches Node byte for byte', async () => {
    const answer = (await runPage(new URL('./erasure-page.ts', import.meta.url))) as {
      error?: string;
      results: {
        kernel: string;
        parity: string;
        referenceAgrees: boolean;
        rebuiltExact: boolean;
        verifies: boolean;
      }[];
    };
    expect(answer.error).toBeUndefined();
    expect(answer.results).toHaveLength(CASES.length);
    CASES.forEach((c, i) => {
      const node = runCase(
        createCodec({ dataShards: c.k, parityShards: c.m }),
        createCodec({ dataShards: c.k, parityShards: c.m, kernel: jsKernel }),
        c,
        i + 1,
      );
      const browser = answer.results[i]!;
      expect(browser.kernel, `${c.k}+${c.m}`).toMatch(/^wasm-/);
      expect(browser).toMatchObject({ referenceAgrees: true, rebuiltExact: true, verifies: true });
      expect(browser.parity, `${c.k}+${c.m} parity, browser vs Node`).toBe(node.parity);
      expect(node).toMatchObject({ referenceAgrees: true, rebuiltExact: true, verifies: true });
    });
  }, 120_000);
});
