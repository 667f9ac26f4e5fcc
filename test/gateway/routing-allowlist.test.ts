import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../torture/gateway-support.js';
import { errorCode, signedRequest } from './raw.js';
import { sdkClient, startGateway, type TestGateway } from './support.js';

/**
 * Routing by an allow-list (issue #18): every S3 sub-resource in the API reference, with every method,
 * on an empty bucket, a full bucket and an object. What the gateway implements runs; everything else
 * answers 501 NotImplemented and changes nothing (the files under the root and what the AWS SDK lists
 * and reads are the same before and after). Before, `DELETE /bucket?publicAccessBlock` deleted the bucket.
 */

/** Query parameters that name an S3 operation, from the S3 API reference's list of actions. */
const SUB_RESOURCES = [
  'abac',
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** What the gateway implements, as `level method sub-resource`; everything else must be a 501. */
const SUPPORTED = new Set([
  'bucket GET publicAccessBlock',
  'bucket PUT publicAccessBlock',
  'bucket DELETE publicAccessBlock',
  'bucket GET ownershipControls',
  'bucket PUT ownershipControls',
  'bucket DELETE ownershipControls',
  'bucket GET location',
  'bucket GET versioning',
  'bucket PUT versioning',
  'bucket GET object-lock',
  'bucket PUT object-lock',
  'bucket GET lifecycle',
  'bucket PUT lifecycle',
  'bucket DELETE lifecycle',
  'object GET retention',
  'object PUT retention',
  'object GET legal-hold',
  'object PUT legal-hold',
  'bucket GET acl',
  'bucket PUT acl',
  'bucket GET uploads',
  'bucket GET versions',
  'bucket POST delete',
  'bucket GET notification',
  'bucket PUT notification',
  'bucket GET cors',
  'bucket PUT cors',
  'bucket DELETE cors',
  'bucket GET tagging',
  'bucket PUT tagging',
  'bucket DELETE tagging',
  'bucket GET encryption',
  'bucket PUT encryption',
  'bucket DELETE encryption',
  'bucket GET requestPayment',
  'bucket GET accelerate',
  'object GET tagging',
  'object PUT tagging',
  'object DELETE tagging',
  'object GET attributes',
  'object GET acl',
  'object PUT acl',
  'object GET uploadId',
  'object GET partNumber',
  'object HEAD partNumber',
  'object PUT uploadId',
  'object PUT partNumber',
  'object POST uploads',
  'object POST uploadId',
  'object DELETE uploadId',
]);

describe('routing: every (method, sub-resource) pair not implemented is a 501 that changes nothing', () => {
  let gw: TestGateway;
  let s3: S3Client;
  const objects: Record<string, string> = { 'a.txt': 'alpha', 'dir/b.txt': 'beta', obj: 'the object' };

  beforeAll(async () => {
    gw = await startGateway();
    s3 = sdkClient(gw.endpoint);
    for (const bucket of ['empty', 'full']) {
      expect((await signedRequest(gw.endpoint, { method: 'PUT', path: `/${bucket}` })).status).toBe(200);
    }
    for (const [Key, Body] of Object.entries(objects)) {
      await s3.send(new PutObjectCommand({ Bucket: 'full', Key, Body }));
    }
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  /** What a client sees: each bucket's listing and every object's bytes. */
  async function clientView(): Promise<unknown> {
    const view: Record<string, unknown> = {};
    for (const Bucket of ['empty', 'full']) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
      view[Bucket] = (listed.Contents ?? []).map((o) => [o.Key, o.ETag, o.Size]);
    }
    for (const key of Object.keys(objects)) {
      view[key] = (await signedRequest(gw.endpoint, { method: 'GET', path: `/full/${key}` })).body;
    }
    return view;
  }

  it('walks every sub-resource × method on an empty bucket, a full bucket and an object', async () => {
    const files = await snapshot(gw.root);
    const view = await clientView();
    const unexpected: string[] = [];
    let walked = 0;
    for (const sub of SUB_RESOURCES) {
      for (const method of METHODS) {
        for (const [level, path] of [
          ['bucket', '/empty'],
          ['bucket', '/full'],
          ['object', '/full/obj'],
        ] as const) {
          for (const query of [sub, `${sub}=1`]) {
            walked++;
            const body = method === 'PUT' || method === 'POST' ? '<Configuration/>' : undefined;
            const res = await signedRequest(gw.endpoint, {
              method,
              path,
              query: query.includes('=') ? query : `${query}=`,
              ...(body ? { body } : {}),
            });
            const label = `${method} ${path}?${query} → ${res.status} ${errorCode(res) ?? ''}`;
            const supported = SUPPORTED.has(`${level} ${method} ${sub}`);
            if (!supported && res.status !== 501) unexpected.push(label);
            if (!supported && method !== 'HEAD' && errorCode(res) !== 'NotImplemented')
              unexpected.push(label);
            if (supported && res.status >= 500) unexpected.push(label);
            if (level === 'object' && method === 'POST' && sub === 'uploads' && res.status === 200) {
              // CreateMultipartUpload is implemented: take the upload back out
              const id = /<UploadId>([^<]+)<\/UploadId>/.exec(res.body)![1]!;
              const abort = await signedRequest(gw.endpoint, {
                method: 'DELETE',
                path,
                query: `uploadId=${id}`,
              });
              expect(abort.status).toBe(204);
            }
            if (method === 'DELETE' || method === 'PUT' || method === 'POST') {
              expect(await snapshot(gw.root), `${label}: changed the stored files`).toEqual(files);
            }
          }
        }
      }
    }
    expect(unexpected).toEqual([]);
    expect(walked).toBe(SUB_RESOURCES.length * METHODS.length * 3 * 2);
    expect(await clientView()).toEqual(view);
  }, 300_000);

  it('names in another letter case are the same sub-resource: no bucket deleted through ?PUBLICACCESSBLOCK', async () => {
    // implemented since: DeletePublicAccessBlock / DeleteBucketOwnershipControls remove a setting only
    for (const query of ['PublicAccessBlock=', 'publicaccessblock=', 'OWNERSHIPCONTROLS=']) {
      const res = await signedRequest(gw.endpoint, { method: 'DELETE', path: '/empty', query });
      expect(res.status, query).toBe(204);
    }
    for (const query of ['ANALYTICS=', 'Inventory=']) {
      const res = await signedRequest(gw.endpoint, { method: 'DELETE', path: '/empty', query });
      expect([res.status, errorCode(res)], query).toEqual([501, 'NotImplemented']);
    }
    const head = await signedRequest(gw.endpoint, { method: 'HEAD', path: '/empty' });
    expect(head.status).toBe(200);
  });

  it('plain operations still work next to ignored parameters (x-id, the SDK’s operation hint)', async () => {
    const res = await signedRequest(gw.endpoint, {
      method: 'GET',
      path: '/full/obj',
      query: 'x-id=GetObject',
    });
    expect([res.status, res.body]).toEqual([200, 'the object']);
  });
});
