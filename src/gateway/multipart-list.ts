import type { RequestContext, ServedBucket } from './context.js';
import { sendXml } from './http.js';
import { ownerElement } from './identity/index.js';
import { maxKeys } from './listing.js';
import { UPLOADS, type UploadRecord } from './multipart-state.js';
import { toXml } from './xml.js';

/** ListMultipartUploads, filtered by prefix and paged by key-marker / upload-id-marker. */
export async function listUploads(ctx: RequestContext, bucket: ServedBucket): Promise<void> {
  const q = ctx.target.query;
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('upload-id-marker') ?? '';
  const limit = maxKeys(ctx, 'max-uploads');
  const uploads: { key: string; id: string; initiated: string; initiator: string }[] = [];
  for await (const entry of bucket.port.list({ prefix: UPLOADS, signal: ctx.signal })) {
    if (entry.type !== 'object' || !entry.key.endsWith('/upload')) continue;
    const id = entry.key.slice(UPLOADS.length, -'/upload'.length);
    const text = await (await bucket.port.get(entry.key, { signal: ctx.signal })).text().catch(() => '');
    let parsed: UploadRecord | undefined;
    try {
      parsed = JSON.parse(text) as UploadRecord;
    } catch {
      continue;
    }
    if (!parsed.key.startsWith(prefix)) continue;
    if (parsed.key < keyMarker || (parsed.key === keyMarker && (!idMarker || id <= idMarker))) continue;
    uploads.push({
      key: parsed.key,
      id,
      initiated: parsed.initiated,
      initiator: parsed.initiator ?? ctx.owner,
    });
  }
  uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  const page = uploads.slice(0, limit);
  const truncated = uploads.length > page.length;
  sendXml(
    ctx.res,
    toXml('ListMultipartUploadsResult', {
      Bucket: bucket.name,
      KeyMarker: keyMarker,
      UploadIdMarker: idMarker,
      ...(truncated ? { NextKeyMarker: page.at(-1)!.key, NextUploadIdMarker: page.at(-1)!.id } : {}),
      Prefix: prefix,
      MaxUploads: limit,
      IsTruncated: truncated,
      Upload: page.map((u) => ({
        Key: u.key,
        UploadId: u.id,
        Initiator: ownerElement(ctx.users, u.initiator),
        Owner: ownerElement(ctx.users, u.initiator),
        StorageClass: 'STANDARD',
        Initiated: new Date(u.initiated),
      })),
    }),
  );
}
