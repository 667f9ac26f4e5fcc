/**
 * DeltaGlider's keys are bucket keys (`dg-ref-key: root/app/reference.bin`), whatever path the
 * connection string has after the bucket. Both directions, through our gateway and a URL with a path,
 * and through `prefixed(...)`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaSpace, delta } from '../../src/delta/index.js';
import { connect, prefixed, type StoragePort } from '../../src/storage/index.js';
import { dgGet, dgPutArchive, dgPutDirect } from './deltaglider-fixture.js';
import { randomBytes, versionPair } from './edits.js';
import { memoryGateway } from './memory-gateway.js';

const KEY = 'AKIDPREFIXTEST';
const SECRET = 'prefix-test-secret-0123456789';
const { source: v1, target: v2 } = versionPair(200_000, 31);
const v3 = versionPair(200_000, 31).target.map((b, i) => (i % 5000 === 0 ? b ^ 1 : b));
const notes = randomBytes(3000, 5);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('DeltaSpace keys relative to the bucket, through a port with a prefix', () => {
  let bucket: StoragePort;
  let endpoint: string;
  let close: () => Promise<void>;
  const opened: StoragePort[] = [];
  const open = (path: string) => {
    const port = connect(`http://${KEY}:${SECRET}@${endpoint.replace(/^http:\/\//, '')}/bucket/${path}`);
    opened.push(port);
    return port;
  };
  beforeAll(async () => {
    ({ bucket, endpoint, close } = await memoryGateway(KEY, SECRET));
  });
  afterAll(async () => {
    for (const port of opened) await port.close?.();
    await close();
  });

  it('reads what DeltaGlider wrote under root/app/ through http://…/bucket/root', async () => {
    await dgPutArchive(bucket, 'root/app/app-1.0.zip', v1);
    await dgPutArchive(bucket, 'root/app/app-1.1.zip', v2);
    await dgPutDirect(bucket, 'root/app/notes.txt', notes);
    expect((await bucket.head('root/app/app-1.1.zip.delta')).metadata['dg-ref-key']).toBe(
      'root/app/reference.bin',
    );
    const port = open('root');
    expect(port.keyPrefix).toBe('root/');
    const space = new DeltaSpace(port, { prefix: 'app' });
    expect(same(await space.get('app-1.0.zip'), v1)).toBe(true);
    expect(same(await space.get('app-1.1.zip'), v2)).toBe(true);
    expect(same(await space.get('notes.txt'), notes)).toBe(true);
    expect((await space.verify('app-1.1.zip')).checked).toBe(true);
    // through delta(port), and through a URL whose path is the DeltaSpace itself
    const wrapped = delta(open('root'));
    expect(same(await (await wrapped.get('app/app-1.1.zip')).bytes(), v2)).toBe(true);
    expect(same(await new DeltaSpace(open('root/app')).get('app-1.1.zip'), v2)).toBe(true);
    // and through prefixed() of the bucket, nested
    const nested = new DeltaSpace(prefixed(prefixed(bucket, 'root/'), 'app/'));
    expect(same(await nested.get('app-1.0.zip'), v1)).toBe(true);
  }, 60_000);

  it('writes dg-ref-key as a bucket key through http://…/bucket/root, and DeltaGlider reads it', async () => {
    const space = new DeltaSpace(open('root'), { prefix: 'ours' });
    await space.put('app-1.0.zip', v1);
    await space.put('app-1.1.zip', v2);
    await space.put('notes.txt', notes);
    const head = await bucket.head('root/ours/app-1.1.zip.delta');
    expect(head.metadata['dg-ref-key']).toBe('root/ours/reference.bin');
    expect((await bucket.head('root/ours/app-1.0.zip.delta')).metadata['dg-ref-key']).toBe(
      'root/ours/reference.bin',
    );
    expect(same(await dgGet(bucket, 'root/ours/app-1.0.zip'), v1)).toBe(true);
    expect(same(await dgGet(bucket, 'root/ours/app-1.1.zip'), v2)).toBe(true);
    expect(same(await dgGet(bucket, 'root/ours/notes.txt'), notes)).toBe(true);

    // delta(port) through a URL ending in the folder (what `delta cp` connects to)
    const wrapped = delta(open('root/ours/'));
    await wrapped.put('app-1.2.zip', v3);
    expect((await bucket.head('root/ours/app-1.2.zip.delta')).metadata['dg-ref-key']).toBe(
      'root/ours/reference.bin',
    );
    expect(same(await dgGet(bucket, 'root/ours/app-1.2.zip'), v3)).toBe(true);
  }, 60_000);

  it('still reads deltas bucketkit wrote before, with dg-ref-key relative to the port', async () => {
    // what bucketkit ≤ this fix wrote through a prefixed port: the port-relative key
    const port = prefixed(bucket, 'old/');
    await new DeltaSpace(port, { prefix: 'app', portPrefix: '' }).put('app-1.0.zip', v1);
    await new DeltaSpace(port, { prefix: 'app', portPrefix: '' }).put('app-1.1.zip', v2);
    expect((await bucket.head('old/app/app-1.1.zip.delta')).metadata['dg-ref-key']).toBe('app/reference.bin');
    const space = new DeltaSpace(port, { prefix: 'app' });
    expect(space.portPrefix).toBe('old/');
    expect(same(await space.get('app-1.1.zip'), v2)).toBe(true);
    // even when the port's prefix repeats the folder name (root/ + root/app): the own reference wins
    const twice = prefixed(bucket, 'root/');
    await new DeltaSpace(twice, { prefix: 'root/app', portPrefix: '' }).put('a-1.zip', v1);
    await new DeltaSpace(twice, { prefix: 'root/app', portPrefix: '' }).put('a-2.zip', v2);
    expect((await bucket.head('root/root/app/a-2.zip.delta')).metadata['dg-ref-key']).toBe(
      'root/app/reference.bin',
    );
    expect(same(await new DeltaSpace(twice, { prefix: 'root/app' }).get('a-2.zip'), v2)).toBe(true);
    expect(same(await new DeltaSpace(twice, { prefix: 'app' }).get('app-1.1.zip'), v2)).toBe(true);
  }, 60_000);
});
