import { describe, expect, it } from 'vitest';
import { AWS_S3_STANDARD, BucketkitError, instrumented, memoryStorage, prefixed } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';

describeStoragePort('instrumented(prefixed(memory))', () => instrumented(prefixed(memoryStorage(), 'p/')), {
  expectConditionalWrites: true,
});

describe('instrumented', () => {
  it('counts requests, bytes and errors per operation, and prices them from the table', async () => {
    const port = instrumented(memoryStorage());
    await port.put('a', 'hello');
    await port.put('b', new Uint8Array(1000));
    await (await port.get('a')).bytes();
    await port.head('b');
    await port.head('missing').catch(() => {});
    for (let i = 0; i < 2500; i++) await port.put(`many/${i}`, '');
    let listed = 0;
    for await (const _ of port.list({ prefix: 'many/' })) listed++;
    expect(listed).toBe(2500);
    const usage = port.usage();
    expect(usage.operations.put).toMatchObject({ calls: 2502, requests: 2502, bytesIn: 1005, errors: 0 });
    expect(usage.operations.get).toMatchObject({ calls: 1, requests: 1, bytesOut: 5 });
    expect(usage.operations.head).toMatchObject({ calls: 2, errors: 1 });
    expect(usage.operations.list).toMatchObject({ calls: 1, requests: 3 });
    const classA = 2502 + 3;
    const classB = 1 + 2;
    expect(usage.cost.requests).toBeCloseTo((classA * 0.005 + classB * 0.0004) / 1000, 10);
    expect(usage.cost.prices).toBe(AWS_S3_STANDARD.name);
    port.reset();
    expect(port.usage().requests).toBe(0);
  });

  it('counts a large upload as its multipart requests', async () => {
    const port = instrumented(memoryStorage(), { partSize: 1024 });
    await port.put('big', new Uint8Array(4096));
    expect(port.usage().operations.put?.requests).toBe(1 + 4 + 1);
  });

  it('reports each operation to the onOperation hook, errors included', async () => {
    const events: string[] = [];
    const port = instrumented(memoryStorage(), {
      onOperation: (e) => events.push(`${e.operation}:${e.key}:${e.error ? 'error' : 'ok'}`),
    });
    await port.put('x', '1');
    await port.get('nope').catch(() => {});
    for await (const _ of port.list()) {
      // drain
    }
    // once per operation: a failed one is not also reported as a success
    expect(events).toEqual(['put:x:ok', 'get:nope:error', 'list:undefined:ok']);
    expect(port.usage().operations.list?.calls).toBe(1);
  });
});

describe('prefixed', () => {
  it('stores under the prefix and lists without it', async () => {
    const inner = memoryStorage();
    const port = prefixed(inner, 'tenants/acme/');
    await port.put('doc', 'd');
    expect((await inner.head('tenants/acme/doc')).size).toBe(1);
    const listed = [];
    for await (const entry of port.list({ delimiter: '/' })) listed.push(entry);
    expect(listed).toMatchObject([{ type: 'object', key: 'doc' }]);
    expect((await port.head('doc')).key).toBe('doc');
    expect(BucketkitError.is(await port.get('').catch((e) => e), 'InvalidKey')).toBe(true);
  });
});
