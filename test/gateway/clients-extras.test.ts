import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { requireDebian } from '../support/debian.js';
import { clientFixture, rcloneCli, s3cmdCli } from './clients-fixture.js';
import { sdkClient } from './support.js';

/**
 * Issue #18 items 4 and 5 and the stored headers, through the Debian s3cmd and rclone: headers set at
 * upload come back, tags sent with s3cmd's PUT are kept, s3cmd's CORS commands round-trip.
 */
describe('s3cmd and rclone: stored headers, tagging, bucket CORS', () => {
  const f = clientFixture();

  it('s3cmd: put with headers, x-amz-tagging, setcors/info/delcors', async () => {
    requireDebian('s3cmd');
    const s3cmd = await s3cmdCli(f, 's3cfg');
    await s3cmd('mb', 's3://extras');
    await s3cmd(
      'put',
      '--add-header=Cache-Control: max-age=60',
      '--add-header=Content-Disposition: attachment; filename="s.txt"',
      f.files.small,
      's3://extras/small.txt',
    );
    const s3 = sdkClient(f.gw.endpoint);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'extras', Key: 'small.txt' }));
      expect([head.CacheControl, head.ContentDisposition]).toEqual([
        'max-age=60',
        'attachment; filename="s.txt"',
      ]);
      // s3cmd 2.3 has no tagging commands (2.4 does); it sends x-amz-tagging as a header with the PUT
      await s3cmd(
        'put',
        '--add-header=x-amz-tagging: team=ml&tier=hot',
        f.files.small,
        's3://extras/small.txt',
      );
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'extras', Key: 'small.txt' }));
      expect(tags.TagSet?.map((t) => `${t.Key}=${t.Value}`)).toEqual(['team=ml', 'tier=hot']);
    } finally {
      s3.destroy();
    }
    const cors = join(f.work, 'cors.xml');
    await writeFile(
      cors,
      '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
    );
    await s3cmd('setcors', cors, 's3://extras');
    expect(await s3cmd('info', 's3://extras')).toContain('https://app.example');
    const preflight = await fetch(`${f.gw.endpoint}/extras/small.txt`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([
      200,
      'https://app.example',
    ]);
    await s3cmd('delcors', 's3://extras');
    expect(await s3cmd('info', 's3://extras')).not.toContain('https://app.example');
  }, 120_000);

  it('rclone: --header-upload headers are stored and returned', async () => {
    requireDebian('rclone');
    const rclone = await rcloneCli(f, 'rclone.conf');
    await rclone('mkdir', 'gw:rcextras');
    await rclone(
      'copyto',
      '--header-upload',
      'Content-Language: fr',
      '--header-upload',
      'Cache-Control: no-cache',
      f.files.small,
      'gw:rcextras/s.txt',
    );
    const s3 = sdkClient(f.gw.endpoint);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'rcextras', Key: 's.txt' }));
      expect([head.ContentLanguage, head.CacheControl]).toEqual(['fr', 'no-cache']);
    } finally {
      s3.destroy();
    }
  }, 120_000);
});
