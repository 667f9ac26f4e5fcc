/** Storage event bodies as AWS, GCP and Azure send them (shapes from their documentation), for the tests. */

/** An AWS S3 event record (event structure 2.1); `key` is form-encoded as S3 sends it. */
export function s3Record(bucket: string, key: string, eventName = 'ObjectCreated:Put', size = 123) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-01-02T10:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'lake',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'),
        size,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

export const s3Event = (bucket: string, key: string, eventName?: string) => ({
  Records: [s3Record(bucket, key, eventName)],
});

/** An SQS message as `ReceiveMessage` returns it (the SDK's Message), its Body the S3 event. */
export const sqsMessage = (body: unknown) => ({
  MessageId: '19dd0b57-b21e-4ac1-bd88-01bbb068cb78',
  ReceiptHandle: 'MessageReceiptHandle',
  MD5OfBody: '7b270e59b47ff90a553787216d55d91d',
  Body: JSON.stringify(body),
});

/** A Lambda SQS event. */
export const lambdaSqsEvent = (body: unknown) => ({
  Records: [
    {
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:lake',
      awsRegion: 'us-east-1',
    },
  ],
});

/** An SNS HTTP notification carrying `message`. */
export const snsNotification = (message: unknown) => ({
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:lake',
  Subject: 'Amazon S3 Notification',
  Message: JSON.stringify(message),
  Timestamp: '2026-01-02T10:00:00.000Z',
  SignatureVersion: '1',
});

/** A GCS object resource (`storage#object`). */
export const gcsObject = (bucket: string, name: string) => ({
  kind: 'storage#object',
  id: `${bucket}/${name}/1767348000000000`,
  selfLink: `https://www.googleapis.com/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
  name,
  bucket,
  generation: '1767348000000000',
  metageneration: '1',
  contentType: 'application/gzip',
  timeCreated: '2026-01-02T10:00:00.000Z',
  updated: '2026-01-02T10:00:00.000Z',
  size: '2048',
  md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==',
  etag: 'CKih16GjycICEAE=',
});

/** A Pub/Sub push request carrying a Cloud Storage notification. */
export const pubsubPush = (bucket: string, name: string, eventType = 'OBJECT_FINALIZE') => ({
  message: {
    attributes: {
      bucketId: bucket,
      objectId: name,
      eventType,
      notificationConfig: `projects/_/buckets/${bucket}/notificationConfigs/1`,
      payloadFormat: 'JSON_API_V1',
      objectGeneration: '1767348000000000',
    },
    data: Buffer.from(JSON.stringify(gcsObject(bucket, name))).toString('base64'),
    messageId: '2070443601311540',
    publishTime: '2026-01-02T10:00:00.000Z',
  },
  subscription: 'projects/acme/subscriptions/lake',
});

/** An Event Grid `BlobCreated` event (Event Grid schema). */
export const blobCreated = (
  container: string,
  blob: string,
  eventType = 'Microsoft.Storage.BlobCreated',
) => ({
  topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct',
  subject: `/blobServices/default/containers/${container}/blobs/${blob}`,
  eventType,
  eventTime: '2026-01-02T10:00:00.000Z',
  id: '831e1650-001e-001b-66ab-eeb76e069631',
  data: {
    api: 'PutBlob',
    clientRequestId: '6d79dbfb-0e37-4fc4-981f-442c9ca89c4d',
    requestId: '831e1650-001e-001b-66ab-eeb76e000000',
    eTag: '0x8D4BCC2E4835CD0',
    contentType: 'application/gzip',
    contentLength: 524288,
    blobType: 'BlockBlob',
    url: `https://acct.blob.core.windows.net/${container}/${blob}`,
    sequencer: '00000000000004420000000000028963',
  },
  dataVersion: '',
  metadataVersion: '1',
});

export const gridValidation = (code: string) => [
  {
    id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
    topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct',
    subject: '',
    data: { validationCode: code, validationUrl: 'https://rp-eastus2.eventgrid.azure.net/api/vX' },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: '2026-01-02T10:00:00.000Z',
    metadataVersion: '1',
    dataVersion: '1',
  },
];

export const s3TestEvent = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-01-02T10:00:00.000Z',
  Bucket: 'raw',
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
};
