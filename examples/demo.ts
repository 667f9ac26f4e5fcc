/**
 * `npm run demo`: a tour of every bucketkit module on the embedded default, a local folder
 * (./.bucketkit-demo). Each module adds its stop here as it lands.
 */
import { rm } from 'node:fs/promises';
import { connect } from '../src/index.js';
import { browserTour } from './browser.js';
import { datasetsTour } from './datasets.js';
import { dbTour } from './db.js';
import { deltaTour } from './delta.js';
import { erasureTour } from './erasure.js';
import { gatewayTour } from './gateway.js';
import { lakeTour } from './lake.js';
import { storageTour } from './storage.js';

const url = process.argv[2] ?? 'file://./.bucketkit-demo';
if (url === 'file://./.bucketkit-demo') await rm('.bucketkit-demo', { recursive: true, force: true });

const indent = (line: string) => console.log(`  ${line}`);
const stops: [string, () => Promise<void>][] = [
  ['storage', () => storageTour(url, indent)],
  ['erasure', () => erasureTour('./.bucketkit-demo/erasure', indent)],
  ['gateway', () => gatewayTour('./.bucketkit-demo/gateway', indent)],
  ['db', () => dbTour(connect('file://./.bucketkit-demo/db'), indent)],
  ['datasets', () => datasetsTour(connect('file://./.bucketkit-demo/datasets'), indent)],
  ['delta', () => deltaTour(connect('file://./.bucketkit-demo/delta'), indent)],
  ['lake', () => lakeTour(connect('file://./.bucketkit-demo/lake'), indent)],
  ['browser entries', () => browserTour('./.bucketkit-demo/browser', indent)],
];

for (const [name, run] of stops) {
  console.log(`\n== ${name}`);
  await run();
}
console.log(`\nDone. Everything the tour wrote is in ${url}`);
