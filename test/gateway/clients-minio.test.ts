import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex, pseudoRandomBytes } from '../../src/testing/index.js';
import { ACCESS_KEY, MIB, SECRET_KEY, startGateway, type TestGateway } from './support.js';

async function collect(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

describe('the minio npm client against the gateway', () => {
  let gw: TestGateway;
  let minio: Minio.Client;
  beforeAll(async () => {
    gw = await startGateway();
    const url = new URL(gw.endpoint);
    minio = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      pathStyle: true,
      partSize: 5 * MIB,
    });
  });
  afterAll(() => gw?.stop());

  it('makes a bucket, uploads small and multipart, lists, downloads, presigns and removes', async () => {
    await minio.makeBucket('minio-js', 'us-east-1');
    expect(await minio.bucketExists('minio-js')).toBe(true);
    await minio.putObject('minio-js', 'small.txt', Buffer.from('minio small'), 11, {
      'Content-Type': 'text/plain',
    });
    const big = pseudoRandomBytes(20 * MIB, 41);
    // a stream of unknown length makes the client go multipart with 5 MiB parts
    await minio.putObject('minio-js', 'dir/big.bin', Readable.from([Buffer.from(big)]));
    expect(gw.requests.some((r) => /^POST \/minio-js\/dir\/big\.bin\?uploadId=\w+ 200$/.test(r))).toBe(true);
    for (const name of ['a', 'b', 'c'])
      await minio.putObject('minio-js', `synced/${name}.txt`, Buffer.from(name));
    const listed: string[] = [];
    for await (const item of minio.listObjectsV2('minio-js', '', true))
      listed.push((item as { name: string }).name);
    expect(listed).toEqual(['dir/big.bin', 'small.txt', 'synced/a.txt', 'synced/b.txt', 'synced/c.txt']);
    const stat = await minio.statObject('minio-js', 'dir/big.bin');
    expect(stat.size).toBe(20 * MIB);
    expect(md5Hex(await collect(await minio.getObject('minio-js', 'dir/big.bin')))).toBe(md5Hex(big));
    const part = await collect(await minio.getPartialObject('minio-js', 'dir/big.bin', 1000, 10));
    expect(part).toEqual(big.subarray(1000, 1010));
    const url = await minio.presignedGetObject('minio-js', 'small.txt', 60);
    expect(await (await fetch(url)).text()).toBe('minio small');
    await minio.removeObjects('minio-js', listed);
    await minio.removeBucket('minio-js');
    expect(await minio.bucketExists('minio-js')).toBe(false);
  }, 60_000);
});
