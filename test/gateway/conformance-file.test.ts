import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3Storage } from '../../src/storage/index.js';
import { describeStoragePort } from '../../src/testing/index.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, startGateway } from './support.js';

describeStoragePort(
  's3 adapter → gateway → file adapter',
  async () => {
    const gw = await startGateway();
    const client = sdkClient(gw.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'conformance' }));
    client.destroy();
    const port = s3Storage({
      bucket: 'conformance',
      endpoint: gw.endpoint,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    return {
      port,
      cleanup: async () => {
        await port.close?.();
        await gw.stop();
      },
    };
  },
  { expectConditionalWrites: true },
);
