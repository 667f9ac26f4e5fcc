/**
 * bucketkit/datasets: numbered datapoints in TAR dataranges (datas3t's format), committed by
 * compare-and-swap. Run: npx tsx examples/datasets.ts
 */
import { coverage, datasets, get, range, uploadDatarange } from '../src/datasets/index.js';
import { connect, type StoragePort } from '../src/index.js';

export async function datasetsTour(port: StoragePort, log = console.log): Promise<void> {
  const catalog = datasets(port);
  await catalog.create('sensor-frames');
  const frames = catalog.open('sensor-frames');
  const frame = (n: number) => ({ n, ext: 'json', body: JSON.stringify({ n, celsius: 20 + (n % 7) }) });
  await uploadDatarange(
    frames,
    Array.from({ length: 100 }, (_, i) => frame(i + 1)),
  );
  await uploadDatarange(
    frames,
    Array.from({ length: 50 }, (_, i) => frame(i + 201)),
  );
  log(`uploaded datapoints 1-100 and 201-250 as two TAR dataranges`);
  const overlap = await uploadDatarange(frames, [frame(100), frame(101)]).catch((err: Error) => err);
  log(`an overlapping upload is refused: ${overlap instanceof Error ? overlap.message.split(':')[0] : 'no'}`);
  log(`datapoint 42: ${new TextDecoder().decode(await get(frames, 42))}`);
  let count = 0;
  for await (const _ of range(frames, 90, 210)) count++;
  log(`range 90-210 yields ${count} datapoints`);
  const { gaps } = await coverage(frames);
  log(`gaps: ${gaps.map((g) => `${g.first}-${g.last}`).join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await datasetsTour(connect('file://./.bucketkit-demo/datasets'));
}
