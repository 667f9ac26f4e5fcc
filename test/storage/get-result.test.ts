import { describe, expect, it } from 'vitest';
import { BucketkitError, instrumented, memoryStorage, prefixed } from '../../src/index.js';

describe('GetResult', () => {
  it('memory: changing bytes that were read does not change the stored object', async () => {
    const port = memoryStorage();
    await port.put('k', new Uint8Array([1, 2, 3]));
    const first = await (await port.get('k')).bytes();
    first[0] = 99;
    expect([...(await (await port.get('k')).bytes())]).toEqual([1, 2, 3]);
  });

  it('the body is read once: a second read is a typed error, not silently empty data', async () => {
    const port = instrumented(prefixed(memoryStorage(), 'p/'));
    await port.put('k', 'hello');
    const got = await port.get('k');
    expect(got.key).toBe('k');
    expect(await got.text()).toBe('hello');
    const again = await got.bytes().catch((e) => e);
    expect(BucketkitError.is(again, 'InvalidArgument')).toBe(true);
    const streamed = await port.get('k');
    const chunks: number[] = [];
    for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) chunks.push(...chunk);
    expect(new TextDecoder().decode(new Uint8Array(chunks))).toBe('hello');
    expect(port.usage().operations.get?.bytesOut).toBe(10);
  });

  it('text() is the stored text exactly: a leading U+FEFF (byte order mark) is data, kept', async () => {
    const port = memoryStorage();
    for (const text of ['\uFEFF', '\uFEFFb', '\uFEFF\uFEFFé']) {
      await port.put('bom', text);
      expect(await (await port.get('bom')).text()).toBe(text);
    }
  });
});
