import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createCodec, jsKernel } from '../../src/erasure/browser.js';
import { runInChromium } from './chromium.js';
import { CASES, runCase } from './erasure-cases.js';

describe('the erasure codec in a browser (headless Chromium)', () => {
  it('bundles for the browser without Node modules, picks the WebAssembly kernel and matches Node byte for byte', async () => {
    const bundle = await build({
      entryPoints: [new URL('./erasure-page.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser', // a node: import anywhere in the graph fails the build
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const page = bundle.outputFiles[0]!.contents;
    const answer = (await runInChromium({
      '/': { type: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' },
      '/page.js': { type: 'text/javascript', body: page },
    })) as {
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
