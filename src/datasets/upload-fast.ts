/**
 * The fast path of `uploadDatarange`, one manifest write shorter: from a cached manifest, the
 * reservation of the predicted counter is written while the archive and its index go up create-only.
 */
import { BucketkitError } from '../errors.js';
import type { Dataset } from './datasets.js';
import { heartbeat } from './heartbeat.js';
import type { Datarange } from './manifest.js';
import { datarangeKeys } from './names.js';
import { CounterTaken, checkFree, release, reserve } from './reserve.js';
import type { UploadOptions } from './upload.js';
import { commitOrUndo, writeCreateOnly } from './upload-writes.js';

/** What an upload claims in the manifest. */
export type Claim = { first: bigint; last: bigint; kind: 'upload'; ttlMs?: number; leaseMs?: number };

/**
 * The fast path, one manifest write shorter: the archive goes up under the counter the cached
 * manifest says is next while the reservation of exactly that counter is written, then the commit.
 * Both writes are create-only, so a rival that predicted the same counter for the same range can
 * never overwrite ours (nor we theirs). Returns `undefined` when the slow path must run instead
 * (nothing cached, a refusal on the cached state, the counter taken meanwhile, a port that cannot
 * write this body create-only); anything written by then is removed first.
 */
export async function uploadSpeculatively(
  dataset: Dataset,
  claim: Claim,
  bytes: Uint8Array,
  index: Uint8Array,
  options: UploadOptions,
): Promise<Datarange | undefined> {
  const known = dataset.cached();
  if (!known || known.manifest.deleted || bytes.length >= (noCreateOnlyFrom.get(dataset.port) ?? Infinity)) {
    return undefined;
  }
  try {
    checkFree(known.manifest, dataset.name, claim.first, claim.last);
  } catch {
    return undefined; // the slow path refuses on a fresh read, or finds the range free by now
  }
  const counter = known.manifest.next;
  const keys = datarangeKeys(dataset.name, claim.first, claim.last, counter);
  const written: string[] = [];
  const data = [
    [keys.data, bytes, 'application/x-tar'],
    [keys.index, index, 'application/octet-stream'],
  ] as const;
  const write = ([key, body, type]: (typeof data)[number]) =>
    writeCreateOnly(dataset, key, body, type, written, options, 'always');
  // The archive goes out first: it is the long pole, and the reservation and index finish well within
  // its transfer (on Ceph RGW this starts the archive ~2 ms sooner than sending it a turn after them).
  const archiveWrite = write(data[0]);
  const reservation = reserve(dataset, { ...claim, counter }, options);
  const beating = reservation.then((held) => heartbeat(dataset, held, claim.leaseMs));
  const indexWrite = write(data[1]);
  // settled below, not unhandled
  for (const early of [archiveWrite, reservation, indexWrite, beating]) early.catch(() => {});
  const writes = [archiveWrite, indexWrite];
  // Everything settles before any cleanup, so a write still in flight cannot land after its delete.
  // The writes are not cut short when the reservation fails: only a settled create-only write says
  // whose object the key holds (a rival that predicted this counter for this range writes the same key).
  const [reserved, ...settled] = await Promise.allSettled([reservation, ...writes]);
  if (reserved.status === 'fulfilled') await (await beating).stop();
  const failed = settled.find((s) => s.status === 'rejected')?.reason as unknown;
  if (reserved.status === 'fulfilled' && failed === undefined) {
    const range = { first: claim.first, last: claim.last, counter, key: keys.data, size: bytes.length };
    return commitOrUndo(dataset, range, written, options);
  }
  // With the counter reserved, the keys are ours whatever their writes answered. Without it, only a
  // write that succeeded is ours, and only while the writer now holding this counter cannot write the
  // same keys: one whose datarange starts where ours does may write them without a condition (a
  // streamed upload, an aggregation), so they are left to gc() then. A doubtful key is an orphan for
  // gc(), never a rival's loss.
  const ours =
    reserved.status === 'fulfilled'
      ? written
      : sharesKeys(dataset, counter, claim.first, keys.data)
        ? []
        : data.flatMap(([key], i) => (settled[i]?.status === 'fulfilled' ? [key] : []));
  await Promise.allSettled(ours.map((key) => dataset.port.delete(key)));
  if (reserved.status === 'rejected') {
    if (reserved.reason instanceof CounterTaken) return undefined;
    throw reserved.reason;
  }
  await release(dataset, counter);
  if (BucketkitError.is(failed, 'Unsupported')) noCreateOnlyFrom.set(dataset.port, bytes.length);
  if (BucketkitError.is(failed, 'PreconditionFailed', 'Unsupported')) return undefined;
  throw failed;
}

/**
 * Whether the writer now holding `counter` (as last read) may have written over `key`: a reservation
 * whose writer writes without a create-only condition (a streamed upload, an aggregation) and starts
 * where ours does, or a datarange committed at that very key. A create-only holder never can: its write
 * of a key ours already held was refused.
 */
function sharesKeys(dataset: Dataset, counter: number, first: bigint, key: string): boolean {
  const manifest = dataset.cached()?.manifest;
  if (!manifest) return true;
  const pending = manifest.pending?.find((p) => p.counter === counter);
  if (pending) return (pending.plain === true || pending.kind === 'aggregate') && pending.first === first;
  return manifest.dataranges.some((r) => r.counter === counter && r.key === key);
}

/** Per port, the body size from which a create-only write was refused as unsupported. */
const noCreateOnlyFrom = new WeakMap<Dataset['port'], number>();
