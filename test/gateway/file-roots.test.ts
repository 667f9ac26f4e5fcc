import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/index.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

describe('gateway over a folder written through the file port at the folder above (issue 15, item 6)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('a key photos/x written at the data folder is object x of bucket photos: listed, headed and read', async () => {
    await fileStorage(gw.root).put('photos/sub/x.txt', 'written at the data folder');
    const s3 = sdkClient(gw.endpoint);
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'photos' }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['sub/x.txt']);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'sub/x.txt' }));
      expect(head.ContentLength).toBe(26);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'sub/x.txt' }));
      expect(await got.Body?.transformToString()).toBe('written at the data folder');
    } finally {
      s3.destroy();
    }
  });
});
