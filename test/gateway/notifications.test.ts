/**
 * Bucket notifications from the gateway: the record has the S3 event shape (2.1, form-encoded key, size,
 * ETag), a receiver that fails is retried until it answers, and a slow receiver never delays the PUT.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient, startGateway, type TestGateway } from './support.js';

const ARN = 'arn:aws:sns:us-east-1:123456789012:raw-events';
let receiver: Server;
let gw: TestGateway;
let s3: S3Client;
const bodies: { at: number; body: Record<string, unknown> }[] = [];
let failures = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (body.Event === 's3:TestEvent') return res.end();
      bodies.push({ at: Date.now(), body });
      // the first two deliveries fail, the first of them slowly
      if (failures < 2) {
        failures++;
        setTimeout(
          () => {
            res.statusCode = 503;
            res.end();
          },
          failures === 1 ? 1500 : 0,
        );
        return;
      }
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  gw = await startGateway({ notificationTargets: { [ARN]: url } });
  s3 = sdkClient(gw.endpoint);
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe('gateway bucket notifications', () => {
  it('POSTs an S3 event record after the PUT, retrying a failing receiver, without delaying the PUT', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'events' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'events',
        NotificationConfiguration: {
          TopicConfigurations: [
            {
              Id: 'all',
              TopicArn: ARN,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json' }] } },
            },
          ],
        },
      }),
    );
    const started = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: 'events', Key: 'dir/a b+c.json', Body: '{"x":1}' }));
    expect(Date.now() - started).toBeLessThan(1500); // the receiver holds its first answer 1.5 s
    await s3.send(new PutObjectCommand({ Bucket: 'events', Key: 'not-matching.txt', Body: 'x' }));
    const deadline = Date.now() + 20_000;
    while (bodies.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(bodies).toHaveLength(3); // two failures, one success, nothing for the .txt
    const [record] = bodies[2]!.body.Records as Record<string, unknown>[];
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'all',
        bucket: { name: 'events', arn: 'arn:aws:s3:::events' },
        object: { key: 'dir/a+b%2Bc.json', size: 7, eTag: createHash('md5').update('{"x":1}').digest('hex') },
      },
    });
    expect(bodies.map((b) => JSON.stringify(b.body))).toEqual(Array(3).fill(JSON.stringify(bodies[0]!.body)));
  }, 60_000);
});
