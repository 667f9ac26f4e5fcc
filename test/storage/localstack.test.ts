// LocalStack runs only where a Docker engine exists: set BUCKETKIT_TEST_DOCKER=1 there.
// This machine has no engine, so these tests are skipped here (noted in the foundation issue).
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe } from 'vitest';
import { s3Storage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';

const enabled = process.env.BUCKETKIT_TEST_DOCKER === '1';

describe.skipIf(!enabled)('LocalStack (BUCKETKIT_TEST_DOCKER=1)', () => {
  describeStoragePort('s3 on LocalStack', async () => {
    const { LocalstackContainer } = await import('@testcontainers/localstack');
    const container = await new LocalstackContainer('localstack/localstack:4').start();
    const endpoint = container.getConnectionUri();
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const admin = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: 'test' }));
    admin.destroy();
    return {
      port: s3Storage({ bucket: 'test', endpoint, credentials }),
      cleanup: async () => {
        await container.stop();
      },
    };
  });
});
