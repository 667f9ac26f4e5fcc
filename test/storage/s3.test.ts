import { s3Storage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';
import { type S3Server, startCephRgw, startS3rver } from '../support/servers.js';

const portOn = (server: S3Server, listApi: 'v1' | 'v2' = 'v2') => ({
  port: s3Storage({
    listApi,
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  }),
  cleanup: () => server.stop(),
});

// s3rver's ListObjectsV2 continuation tokens are DES-encrypted; Node 17+ (OpenSSL 3) has no DES, so
// every truncated V2 listing answers 500. The adapter's V1 (marker) paging is used there instead, and
// s3rver-defects.test.ts shows the V2 failure.
describeStoragePort('s3 on s3rver', async () => portOn(await startS3rver(), 'v1'), {
  // s3rver accepts If-None-Match / If-Match and ignores them: the probe must see it
  expectConditionalWrites: false,
  knownDefects: {
    delimiterOmitsDeepOnlyPrefixes: 's3rver 3.7 leaves such folders out of CommonPrefixes',
    keysAsPaths: 's3rver 3.7 maps keys to file paths',
  },
});

describeStoragePort('s3 on Ceph RGW', async () => portOn(await startCephRgw()), {
  expectConditionalWrites: true,
});
