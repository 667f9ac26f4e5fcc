/**
 * bucketkit/storage in five minutes: one contract over a folder (or S3: change the URL).
 * Run: npx tsx examples/storage.ts [URL]   (default file://./.bucketkit-demo)
 */
import { BucketkitError, connect, instrumented, prefixed } from '../src/index.js';

export async function storageTour(url = 'file://./.bucketkit-demo', log = console.log): Promise<void> {
  const port = instrumented(prefixed(connect(url), 'tour/'));
  log(`storage: ${port.name}`);

  const { etag, size } = await port.put('hello.txt', 'hello, bucketkit', {
    metadata: { author: 'demo' },
    contentType: 'text/plain',
  });
  log(`put hello.txt: ${size} bytes, etag ${etag}`);
  const hello = await port.get('hello.txt');
  log(`get hello.txt: "${await hello.text()}" (author=${hello.metadata.author})`);

  const slice = await port.get('hello.txt', { range: { start: 7, end: 15 } });
  log(`ranged get bytes 7-15: "${await slice.text()}"`);

  // compare-and-swap: 10 concurrent increments of one counter, none lost
  await port.put('counter', '0');
  const increment = async () => {
    for (;;) {
      const current = await port.get('counter');
      const next = String(Number(await current.text()) + 1);
      try {
        return await port.put('counter', next, { ifMatch: current.etag });
      } catch (err) {
        if (!BucketkitError.is(err, 'PreconditionFailed')) throw err;
      }
    }
  };
  if ((await port.capabilities()).conditionalWrites) {
    await Promise.all(Array.from({ length: 10 }, increment));
    log(`counter after 10 concurrent CAS increments: ${await (await port.get('counter')).text()}`);
  }

  for (const day of ['2026-11-20', '2026-11-21', '2026-11-22'])
    await port.put(`logs/${day}/app.log`, `log of ${day}`);
  const folders: string[] = [];
  for await (const entry of port.list({ prefix: 'logs/', delimiter: '/' })) {
    if (entry.type === 'prefix') folders.push(entry.prefix);
  }
  log(`folders under logs/: ${folders.join(', ')}`);

  try {
    await port.get('missing.txt');
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) log(`typed error: ${err.code}`);
  }

  const usage = port.usage();
  log(
    `requests: ${usage.requests}, bytes in ${usage.bytesIn}, out ${usage.bytesOut}; on ${usage.cost.prices} this costs $${usage.cost.total.toFixed(6)}`,
  );
  await port.close?.();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await storageTour(process.argv[2]);
}
