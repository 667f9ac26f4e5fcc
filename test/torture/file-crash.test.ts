/**
 * Crash loop on the file port: a child process writes, overwrites and deletes small (in-record) and
 * large (data-file) versions of a few keys and is SIGKILLed at a random moment; then every key must
 * read as exactly one whole version, no older than the last one the child acknowledged, `head` and
 * `list()` must agree with `get`, and a new write to every key must succeed.
 * `BUCKETKIT_TORTURE=long` runs the long mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';
import { byMode, type Message, MODE, startChild } from './support/file-children.js';
import { between, sleep } from './support/file-protocol.js';
import {
  age,
  dataAndTempFiles,
  identify,
  lockFiles,
  md5,
  randomSize,
  versionBody,
} from './support/file-versions.js';

const KILLS = byMode(50, 260);
const KEYS = [
  'small',
  'big.bin',
  'dir/mixed',
  'dir/sub/deep',
  `${'A'.repeat(230)}/long-segment`,
  'unicodé/ключ',
  'dots/..x',
  'trailing/',
];
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** What a key may hold: a generation, or `null` for no object. */
type Version = number | null;

describe(`file port under SIGKILL (${MODE} mode)`, () => {
  it(
    `${KILLS} kills of a writer leave every key whole, acknowledged and writable`,
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'bk-torture-file-'));
      roots.push(root);
      const port = fileStorage(root);
      const acked = new Map<string, Version>(KEYS.map((k) => [k, null]));
      const damage: string[] = [];
      const tally = { kills: 0, checks: 0, acks: 0, inFlight: 0, newer: 0, locks: 0, lost: 0, wrong: 0 };
      for (let i = 0; i < KILLS; i++) {
        const child = await startChild('file-writer.ts', {
          root,
          keys: KEYS,
          gen: i * 1_000_000 + 1,
          lanes: 3,
        });
        await child.waitFor((m) => m.t === 'ready');
        await sleep(between(10, 250));
        await child.kill();
        tally.kills++;
        const inFlight = replay(child.messages, acked, damage);
        tally.acks += child.messages.filter((m) => m.t === 'ack').length;
        tally.inFlight += inFlight.size;
        // a lock the killed child held: provably stale, aged rather than waited for (30 s)
        for (const lock of lockFiles(root)) {
          age(lock);
          tally.locks++;
        }
        const exists = new Map<string, { size: number; etag: string }>();
        for (const key of KEYS) {
          const allowed: Version[] = [acked.get(key)!, ...(inFlight.has(key) ? [inFlight.get(key)!] : [])];
          const read = await readVersion(port, key);
          tally.checks++;
          if ('wrong' in read) {
            tally.wrong++;
            damage.push(`kill ${i}: ${key}: ${read.wrong}`);
            continue;
          }
          if (!allowed.includes(read.version)) {
            const older = read.version === null || (acked.get(key) ?? -1) > (read.version as number);
            if (older) tally.lost++;
            else tally.wrong++;
            damage.push(
              `kill ${i}: ${key} holds ${read.version}, acknowledged ${acked.get(key)}, allowed ${allowed}`,
            );
          } else if (read.version !== acked.get(key)) {
            tally.newer++;
          }
          if (read.info) exists.set(key, read.info);
        }
        const listed = new Map<string, { size: number; etag: string }>();
        for await (const entry of port.list()) {
          if (entry.type === 'object') listed.set(entry.key, { size: entry.size, etag: entry.etag });
        }
        const listedKeys = [...listed.keys()];
        if (
          JSON.stringify([...listed]) !==
          JSON.stringify(
            KEYS.filter((k) => exists.has(k))
              .sort(byteOrder)
              .map((k) => [k, exists.get(k)]),
          )
        ) {
          tally.wrong++;
          damage.push(
            `kill ${i}: list() ${JSON.stringify(listedKeys)} disagrees with reads ${JSON.stringify([...exists.keys()])}`,
          );
        }
        // a later write to every key succeeds (and becomes what must be read next)
        for (const [n, key] of KEYS.entries()) {
          const gen = i * 1_000_000 + 900_000 + n;
          await port.put(key, versionBody(key, gen, randomSize()));
          acked.set(key, gen);
          const back = await readVersion(port, key);
          if ('wrong' in back || back.version !== gen) {
            tally.wrong++;
            damage.push(`kill ${i}: ${key} after a fresh write: ${JSON.stringify(back)}`);
          }
        }
      }
      const leftovers = dataAndTempFiles(root);
      // what the kills left is reclaimed, without touching a live object (no writer runs now)
      const swept = await port.sweep({ olderThan: 0 });
      const after = dataAndTempFiles(root);
      if (after.files > KEYS.length) damage.push(`${after.files} data files remain after sweep()`);
      for (const key of KEYS) {
        const read = await readVersion(port, key);
        if ('wrong' in read || read.version !== acked.get(key)) {
          damage.push(`${key} after sweep(): ${JSON.stringify(read)}, acknowledged ${acked.get(key)}`);
        }
      }
      console.log(
        `torture file-crash (${MODE}): ${tally.kills} kills, ${tally.acks} acknowledged writes, ` +
          `${tally.checks} key checks (${tally.inFlight} in flight at a kill, ${tally.newer} of them landed), ` +
          `${tally.locks} stale locks left by a kill, lost=${tally.lost} wrong=${tally.wrong}; ` +
          `data files on disk at the end: ${leftovers.files} (${(leftovers.bytes / 1e6).toFixed(1)} MB, ${KEYS.length} live at most), ` +
          `${after.files} after sweep() removed ${swept.dataFiles}`,
      );
      expect(damage).toEqual([]);
      expect(tally).toMatchObject({ kills: KILLS, lost: 0, wrong: 0 });
    },
    byMode(240_000, 1_800_000),
  );
});

/**
 * Applies the child's acknowledgements to `acked` in order and returns the operations it started
 * but did not acknowledge (what each key may hold instead). A child error is damage.
 */
function replay(messages: Message[], acked: Map<string, Version>, damage: string[]): Map<string, Version> {
  const inFlight = new Map<string, Version>();
  for (const m of messages) {
    const key = m.key as string;
    const version = m.op === 'put' ? (m.gen as number) : null;
    if (m.t === 'intent') inFlight.set(key, version);
    if (m.t === 'ack') {
      inFlight.delete(key);
      acked.set(key, version);
    }
    if (m.t === 'error') damage.push(`writer failed: ${m.code} ${m.message}`);
  }
  return inFlight;
}

type Read = { version: Version; info?: { size: number; etag: string } } | { wrong: string };

/** Reads a key and says which version it holds, checking `head` agrees with `get`. */
async function readVersion(port: StoragePort, key: string): Promise<Read> {
  let bytes: Uint8Array;
  let etag: string;
  try {
    const got = await port.get(key);
    bytes = await got.bytes();
    etag = got.etag;
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) {
      const head = await port.head(key).catch((e: unknown) => e);
      return BucketkitError.is(head, 'NotFound')
        ? { version: null }
        : { wrong: `get NotFound, head ${String(head)}` };
    }
    return { wrong: `get threw ${BucketkitError.is(err) ? err.code : 'untyped'}: ${String(err)}` };
  }
  const who = identify(key, bytes);
  if ('wrong' in who) return who;
  if (md5(bytes) !== etag) return { wrong: `etag ${etag} is not the body's MD5` };
  const head = await port.head(key).catch((e: unknown) => e);
  if (!head || typeof head !== 'object' || !('etag' in head)) return { wrong: `head threw ${String(head)}` };
  const info = head as { etag: string; size: number };
  // a read racing nothing: head must describe the very version get returned
  if (info.etag !== etag || info.size !== bytes.length)
    return { wrong: `head ${info.etag}/${info.size} ≠ get ${etag}/${bytes.length}` };
  return { version: who.gen, info: { size: bytes.length, etag } };
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
