import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sigV2Fields, sigV4Fields } from '../gateway/post/sign.js';
import { ACCESS_KEY, SECRET_KEY, sdkClient, sdkGateway } from '../gateway/support.js';
import { runInChromium } from './chromium.js';

/**
 * Browser uploads from headless Chromium (issue #19 item 4): a real HTML form with a file input,
 * submitted by the browser (multipart encoding, redirect following and all), SigV4-signed; then two
 * forms the policy refuses and a SigV2 one, sent with fetch + FormData across origins.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder for the file's name
const FILENAME = '${filename}';
const keys = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
const t = sdkGateway({ cors: { origins: '*' } }, 'uploads');

const attr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

describe('POST Object from headless Chromium', () => {
  it('an HTML form uploads a file and is redirected back; refused forms get S3 errors', async () => {
    const conditions = [
      { bucket: 'uploads' },
      ['starts-with', '$key', 'browser/'],
      { 'Content-Type': 'text/plain' },
      ['starts-with', '$success_action_redirect', 'http://127.0.0.1:'],
      ['content-length-range', 1, 1024],
    ];
    const signed = sigV4Fields(conditions, keys);
    const hidden = Object.entries({ key: `browser/${FILENAME}`, 'Content-Type': 'text/plain', ...signed })
      .map(([name, value]) => `<input type="hidden" name="${attr(name)}" value="${attr(value)}">`)
      .join('\n');
    const v2Fields = {
      key: `v2/${FILENAME}`,
      ...sigV2Fields([{ bucket: 'uploads' }, ['starts-with', '$key', 'v2/']], keys),
    };
    const action = `${t.gw.endpoint}/uploads`;
    const page = `<!doctype html>
<form id="upload" method="post" enctype="multipart/form-data" action="${action}">
${hidden}
<input type="hidden" name="success_action_redirect" id="redirect">
<input type="file" name="file" id="file">
</form>
<script>
const file = (text, name) => { const dt = new DataTransfer(); dt.items.add(new File([text], name, { type: 'text/plain' })); return dt.files; };
const send = async (mutate, text, name) => {
  const data = new FormData(document.getElementById('upload'));
  mutate(data);
  data.set('file', file(text, name)[0]);
  const res = await fetch(${JSON.stringify(action)}, { method: 'POST', body: data });
  const body = await res.text();
  return [res.status, (/<Code>([^<]*)<\\/Code>/.exec(body) || [])[1] || null];
};
(async () => {
  document.getElementById('redirect').value = location.origin + '/done.html';
  document.getElementById('file').files = file('hello from a chromium form', 'hello.txt');
  const refused = {
    tooLarge: await send(() => {}, 'x'.repeat(2000), 'big.txt'),
    wrongKey: await send((d) => d.set('key', 'elsewhere/x.txt'), 'small', 'x.txt'),
  };
  const v2 = new FormData();
  for (const [name, value] of Object.entries(${JSON.stringify(v2Fields)})) v2.append(name, value);
  v2.append('file', file('signed with SigV2', 'two.txt')[0]);
  const v2res = await fetch(${JSON.stringify(action)}, { method: 'POST', body: v2 });
  sessionStorage.setItem('before', JSON.stringify({ refused, v2: v2res.status }));
  document.getElementById('upload').submit();
})().catch((e) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e) }) }));
</script>`;
    const done = `<!doctype html><script>
fetch('/result', { method: 'POST', body: JSON.stringify({
  ...JSON.parse(sessionStorage.getItem('before') || '{}'),
  redirected: Object.fromEntries(new URLSearchParams(location.search)),
}) });
</script>`;
    const answer = (await runInChromium({
      '/': { type: 'text/html', body: page },
      '/done.html': { type: 'text/html', body: done },
    })) as Record<string, unknown>;
    expect(answer.error).toBeUndefined();
    expect(answer.refused).toEqual({ tooLarge: [400, 'EntityTooLarge'], wrongKey: [403, 'AccessDenied'] });
    expect(answer.v2).toBe(204);
    const redirected = answer.redirected as Record<string, string>;
    expect(redirected).toMatchObject({ bucket: 'uploads', key: 'browser/hello.txt' });
    const client = sdkClient(t.gw.endpoint);
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'browser/hello.txt' }));
    expect([await got.Body!.transformToString(), got.ContentType, got.ETag]).toEqual([
      'hello from a chromium form',
      'text/plain',
      redirected.etag,
    ]);
    const two = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'v2/two.txt' }));
    expect(await two.Body!.transformToString()).toBe('signed with SigV2');
    client.destroy();
  }, 120_000);
});
