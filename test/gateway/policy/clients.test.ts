import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayUser } from '../../../src/gateway/index.js';
import { requireDebian } from '../../support/debian.js';
import { awsCliEnv, type ClientFixture, run, s3cmdCli } from '../clients-fixture.js';
import { startGateway, type TestGateway } from '../support.js';

/**
 * Bucket policies set and read by real clients (issue #19 items 3 and 7): the Debian awscli v2
 * (`s3api put-bucket-policy`, `get-bucket-policy`, `get-bucket-policy-status`, `delete-bucket-policy`,
 * an anonymous `s3 cp --no-sign-request`) and s3cmd (`setpolicy`, `delpolicy`). The test's access key
 * is the first user's (`alice`); `bob` is a second user.
 */
const bob: GatewayUser = {
  id: 'bob',
  keys: [{ accessKeyId: 'AKBOB', secretAccessKey: 'bob-secret-key-0123456789' }],
};
const USERS: GatewayUser[] = [{ id: 'alice', keys: [] }, bob];

describe('bucket policies with awscli and s3cmd', () => {
  let gw: TestGateway;
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bk-policy-clients-'));
    gw = await startGateway({ users: USERS });
  });
  afterAll(async () => {
    await gw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('awscli v2: put/get/status/delete, then anonymous and second-user access as the policy says', async () => {
    requireDebian('awscli');
    const env = awsCliEnv(work);
    const aws = async (extraEnv: NodeJS.ProcessEnv, ...args: string[]) =>
      (
        await run('/usr/bin/aws', ['--endpoint-url', gw.endpoint, ...args], {
          env: { ...env, ...extraEnv },
          timeout: 60_000,
        })
      ).stdout;
    const asAlice = (...args: string[]) => aws({}, ...args);
    const asBob = (...args: string[]) =>
      aws({ AWS_ACCESS_KEY_ID: 'AKBOB', AWS_SECRET_ACCESS_KEY: bob.keys[0]!.secretAccessKey }, ...args);
    await asAlice('s3', 'mb', 's3://awspol');
    await writeFile(join(work, 'page.html'), '<h1>public page</h1>');
    await asAlice('s3', 'cp', join(work, 'page.html'), 's3://awspol/site/index.html');
    await asAlice('s3', 'cp', join(work, 'page.html'), 's3://awspol/inbox/note.html');
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Site',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::awspol/site/*',
        },
        {
          Sid: 'BobInbox',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::bob:root' },
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: 'arn:aws:s3:::awspol/inbox/*',
        },
        {
          Sid: 'NoDelete',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:DeleteObject',
          Resource: 'arn:aws:s3:::awspol/site/*',
        },
      ],
    });
    await writeFile(join(work, 'policy.json'), document);
    await asAlice(
      's3api',
      'put-bucket-policy',
      '--bucket',
      'awspol',
      '--policy',
      `file://${join(work, 'policy.json')}`,
    );
    expect(
      JSON.parse(JSON.parse(await asAlice('s3api', 'get-bucket-policy', '--bucket', 'awspol')).Policy),
    ).toEqual(JSON.parse(document));
    expect(JSON.parse(await asAlice('s3api', 'get-bucket-policy-status', '--bucket', 'awspol'))).toEqual({
      PolicyStatus: { IsPublic: true },
    });
    await aws({}, 's3', 'cp', '--no-sign-request', 's3://awspol/site/index.html', join(work, 'anon.html'));
    await expect(
      aws({}, 's3', 'cp', '--no-sign-request', 's3://awspol/inbox/note.html', join(work, 'anon2.html')),
    ).rejects.toThrow(/403|Forbidden|AccessDenied/);
    await asBob('s3', 'cp', 's3://awspol/inbox/note.html', join(work, 'bob.html'));
    await asBob('s3', 'cp', join(work, 'page.html'), 's3://awspol/inbox/from-bob.html');
    await expect(asBob('s3', 'cp', join(work, 'page.html'), 's3://awspol/site/defaced.html')).rejects.toThrow(
      /403|Forbidden|AccessDenied/,
    );
    await expect(asAlice('s3', 'rm', 's3://awspol/site/index.html')).rejects.toThrow(
      /403|Forbidden|AccessDenied/,
    );
    await asAlice('s3api', 'delete-bucket-policy', '--bucket', 'awspol');
    await expect(asAlice('s3api', 'get-bucket-policy', '--bucket', 'awspol')).rejects.toThrow(
      /NoSuchBucketPolicy/,
    );
    await asAlice('s3', 'rm', 's3://awspol/site/index.html');
  }, 120_000);

  it('s3cmd setpolicy/delpolicy', async () => {
    requireDebian('s3cmd');
    const s3cmd = await s3cmdCli({ gw, work } as ClientFixture, 's3cmd.cfg');
    await s3cmd('mb', 's3://cmdpol');
    await writeFile(join(work, 'open.txt'), 'open to all');
    await s3cmd('put', join(work, 'open.txt'), 's3://cmdpol/open.txt');
    expect((await fetch(`${gw.endpoint}/cmdpol/open.txt`)).status).toBe(403);
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cmdpol/*' },
      ],
    };
    await writeFile(join(work, 'cmd-policy.json'), JSON.stringify(document));
    await s3cmd('setpolicy', join(work, 'cmd-policy.json'), 's3://cmdpol');
    expect(await s3cmd('info', 's3://cmdpol')).toMatch(/Policy:\s+\{/);
    const got = await fetch(`${gw.endpoint}/cmdpol/open.txt`);
    expect([got.status, await got.text()]).toEqual([200, 'open to all']);
    await s3cmd('delpolicy', 's3://cmdpol');
    expect((await fetch(`${gw.endpoint}/cmdpol/open.txt`)).status).toBe(403);
  }, 120_000);
});
