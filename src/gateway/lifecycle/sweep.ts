/**
 * The lifecycle sweeper: applies every bucket's rules — current versions expire (deleted, or a delete
 * marker in a versioned bucket), noncurrent versions are removed some days after they were replaced,
 * delete markers left alone are removed, incomplete multipart uploads are aborted. A version under
 * object lock is never removed. Times follow S3: the rule's days are added and the result rounded up to
 * the next midnight UTC.
 */
import { log } from '../../logger.js';
import type { ListedObject, Metadata } from '../../storage/index.js';
import type { BucketProvider } from '../buckets.js';
import { headOrUndefined, RESERVED_PREFIX, type ServedBucket, servedBucket } from '../context.js';
import { readTags } from '../meta/tags.js';
import { abortNative } from '../multipart-native.js';
import { removeUpload, UPLOADS, type UploadRecord } from '../multipart-state.js';
import { deleteSwept } from '../sse/index.js';
import {
  bucketState,
  isMarker,
  parseVersionObject,
  protection,
  removeVersion,
  VERSIONS_PREFIX,
  writeDeleteMarker,
} from '../versioning/index.js';
import { type LifecycleRule, readLifecycle } from './config.js';

const DAY_MS = 86_400_000;

/** What one sweep did. */
export interface LifecycleReport {
  /** Current versions expired: deleted (unversioned) or given a delete marker (versioned). */
  expired: number;
  /** Noncurrent versions removed for good. */
  noncurrentRemoved: number;
  /** Delete markers removed because no version was left behind them. */
  markersRemoved: number;
  uploadsAborted: number;
  /** Versions a rule would have removed but object lock protects. */
  locked: number;
}

/** When something `days` after `since` is due: rounded up to midnight UTC, as S3 does. */
const due = (since: number, days: number) => Math.ceil((since + days * DAY_MS) / DAY_MS) * DAY_MS;

interface Candidate {
  key: string;
  size: number;
  /** Reads the version's metadata, when a rule's tag filter needs it. */
  metadata: () => Promise<Metadata>;
}

async function matches(rule: LifecycleRule, object: Candidate, bucket: ServedBucket): Promise<boolean> {
  const { prefix, tags, sizeGreaterThan, sizeLessThan } = rule.filter;
  if (!rule.enabled) return false;
  if (prefix !== undefined && !object.key.startsWith(prefix)) return false;
  if (sizeGreaterThan !== undefined && !(object.size > sizeGreaterThan)) return false;
  if (sizeLessThan !== undefined && !(object.size < sizeLessThan)) return false;
  if (tags?.length) {
    const stored = await readTags(bucket.base, await object.metadata());
    return tags.every((t) => stored.some((s) => s.key === t.key && s.value === t.value));
  }
  return true;
}

/** Of `rules`, those whose filter takes `object`. */
async function applying(rules: LifecycleRule[], object: Candidate, bucket: ServedBucket) {
  const found: LifecycleRule[] = [];
  for (const rule of rules) if (await matches(rule, object, bucket)) found.push(rule);
  return found;
}

function currentExpires(rules: LifecycleRule[], lastModified: Date, now: number): boolean {
  return rules.some(({ expiration: e }) =>
    e?.days !== undefined
      ? due(lastModified.getTime(), e.days) <= now
      : e?.date !== undefined && new Date(e.date).getTime() <= now,
  );
}

/** Applies one bucket's lifecycle rules at `now`. */
export async function sweepBucket(
  bucket: ServedBucket,
  now: number,
  signal?: AbortSignal,
): Promise<LifecycleReport> {
  const report: LifecycleReport = {
    expired: 0,
    noncurrentRemoved: 0,
    markersRemoved: 0,
    uploadsAborted: 0,
    locked: 0,
  };
  const rules = (await readLifecycle(bucket.base, signal))?.filter((r) => r.enabled);
  if (!rules?.length) return report;
  const state = await bucketState(bucket);
  const port = bucket.base;
  const metadataOf = (object: string) => async () =>
    (await headOrUndefined(port, object, signal))?.metadata ?? {};

  // keys with versions in the store, newest first within a key
  const versioned = new Set<string>();
  if (state.versioning !== 'Unversioned') {
    let key: string | undefined;
    let group: Array<ListedObject & { name: string }> = [];
    const flush = async () => {
      if (key !== undefined) await sweepKey(bucket, rules, state, key, group, now, report, signal);
    };
    for await (const entry of port.list({ prefix: VERSIONS_PREFIX, ...(signal ? { signal } : {}) })) {
      if (entry.type !== 'object') continue;
      const parsed = parseVersionObject(entry.key);
      if (!parsed) continue;
      if (parsed.key !== key) {
        await flush();
        key = parsed.key;
        group = [];
        versioned.add(key);
      }
      group.push({ ...entry, name: parsed.name });
    }
    await flush();
  }

  // objects outside the store: an unversioned bucket's objects, or the null versions from before versioning
  for await (const entry of port.list(signal ? { signal } : {})) {
    if (entry.type !== 'object' || entry.key.startsWith(RESERVED_PREFIX) || versioned.has(entry.key))
      continue;
    const candidate = { key: entry.key, size: entry.size, metadata: metadataOf(entry.key) };
    if (!currentExpires(await applying(rules, candidate, bucket), entry.lastModified, now)) continue;
    if (state.versioning === 'Unversioned') {
      await bucket.exclusive(entry.key, () => deleteSwept(port, entry.key, signal));
    } else {
      await writeDeleteMarker(bucket, state, entry.key, signal);
    }
    report.expired++;
  }

  await abortUploads(bucket, rules, now, report, signal);
  return report;
}

/** One key of a versioned bucket: its versions newest first. */
async function sweepKey(
  bucket: ServedBucket,
  rules: LifecycleRule[],
  state: Awaited<ReturnType<typeof bucketState>>,
  key: string,
  versions: Array<ListedObject & { name: string }>,
  now: number,
  report: LifecycleReport,
  signal?: AbortSignal,
): Promise<void> {
  const port = bucket.base;
  const metadataOf = (object: string) => async () =>
    (await headOrUndefined(port, object, signal))?.metadata ?? {};
  const left = [...versions];
  const newest = versions[0]!;
  if (!isMarker(newest.name)) {
    const candidate = { key, size: newest.size, metadata: metadataOf(newest.key) };
    if (currentExpires(await applying(rules, candidate, bucket), newest.lastModified, now)) {
      await writeDeleteMarker(bucket, state, key, signal);
      report.expired++;
      return; // the new marker makes every version noncurrent from now: the next sweep takes them
    }
  }
  let noncurrentIndex = 0;
  for (let i = 1; i < versions.length; i++) {
    const version = versions[i]!;
    const since = versions[i - 1]!.lastModified.getTime();
    const index = noncurrentIndex++;
    const candidate = { key, size: version.size, metadata: metadataOf(version.key) };
    const expires = (await applying(rules, candidate, bucket)).some(({ noncurrentExpiration: n }) =>
      n === undefined ? false : index >= (n.newerNoncurrentVersions ?? 0) && due(since, n.days) <= now,
    );
    if (!expires) continue;
    if (state.objectLock && protection(await candidate.metadata(), false, now)) {
      report.locked++;
      continue;
    }
    await removeVersion(bucket, key, { name: version.name, object: version.key }, signal);
    left.splice(left.indexOf(version), 1);
    report.noncurrentRemoved++;
  }
  // a delete marker with no version behind it
  const [only] = left;
  if (left.length === 1 && only && isMarker(only.name)) {
    const candidate = { key, size: 0, metadata: async () => ({}) };
    const rule = (await applying(rules, candidate, bucket)).find(
      ({ expiration: e }) => e?.expiredObjectDeleteMarker === true || e?.days !== undefined,
    );
    if (rule) {
      await removeVersion(bucket, key, { name: only.name, object: only.key }, signal);
      report.markersRemoved++;
    }
  }
}

async function abortUploads(
  bucket: ServedBucket,
  rules: LifecycleRule[],
  now: number,
  report: LifecycleReport,
  signal?: AbortSignal,
): Promise<void> {
  const aborting = rules.filter((r) => r.abortIncompleteMultipartDays !== undefined);
  if (aborting.length === 0) return;
  const port = bucket.base;
  for await (const entry of port.list({ prefix: UPLOADS, ...(signal ? { signal } : {}) })) {
    if (entry.type !== 'object' || !entry.key.endsWith('/upload')) continue;
    const id = entry.key.slice(UPLOADS.length, -'/upload'.length);
    let record: UploadRecord;
    try {
      record = JSON.parse(await (await port.get(entry.key, signal ? { signal } : {})).text()) as UploadRecord;
    } catch {
      continue;
    }
    const since = new Date(record.initiated).getTime();
    const expired = aborting.some(
      (r) =>
        (r.filter.prefix === undefined || record.key.startsWith(r.filter.prefix)) &&
        due(since, r.abortIncompleteMultipartDays!) <= now,
    );
    if (!expired) continue;
    if (record.native) await abortNative(bucket, record, signal ?? new AbortController().signal);
    await removeUpload(port, id);
    report.uploadsAborted++;
  }
}

/** Runs lifecycle rules over every bucket now and then; `runOnce` sweeps at once. */
export interface LifecycleSweeper {
  runOnce(): Promise<LifecycleReport>;
  stop(): void;
}

/**
 * A sweeper over a gateway's buckets, every `intervalMs` (default one hour) by `clock` (default
 * `Date.now`; tests pass their own).
 *
 * @example
 * ```ts
 * const sweeper = lifecycleSweeper(buckets, { intervalMs: 3_600_000 });
 * ```
 */
export function lifecycleSweeper(
  buckets: BucketProvider,
  options: { intervalMs?: number; clock?: () => number } = {},
): LifecycleSweeper & { start(): void } {
  const clock = options.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<LifecycleReport> | undefined;
  const controller = new AbortController();

  async function sweepAll(): Promise<LifecycleReport> {
    const total: LifecycleReport = {
      expired: 0,
      noncurrentRemoved: 0,
      markersRemoved: 0,
      uploadsAborted: 0,
      locked: 0,
    };
    for (const { name } of await buckets.list()) {
      if (controller.signal.aborted) break;
      const bucket = await servedBucket(buckets, name).catch(() => undefined);
      if (!bucket) continue;
      const report = await sweepBucket(bucket, clock(), controller.signal);
      for (const field of Object.keys(total) as Array<keyof LifecycleReport>) total[field] += report[field];
    }
    return total;
  }

  const runOnce = () => {
    running ??= sweepAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    runOnce,
    start() {
      timer ??= setInterval(() => {
        runOnce().catch((err: unknown) => {
          if (!controller.signal.aborted) log('warn', 'gateway', 'a lifecycle sweep failed', { error: err });
        });
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      controller.abort();
    },
  };
}
