/**
 * A lake process for the durability test: the remote-write receiver and the Prometheus API over a file
 * bucket (argv[2]); prints its URL as one line, then serves until killed.
 */
import { createLakeServer, prometheusRoutes, remoteWriteRoute } from '../../../src/lake/http/index.js';
import { fileStorage } from '../../../src/storage/index.js';

const port = fileStorage(process.argv[2]!);
const server = await createLakeServer([
  remoteWriteRoute(port, { org: 'acme' }),
  ...prometheusRoutes(port, { org: 'acme' }),
]).listen();
process.stdout.write(`${server.url}\n`);
