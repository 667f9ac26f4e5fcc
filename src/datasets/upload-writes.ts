/** The writes an upload makes: its archive and index (create-only), and its commit in the manifest. */
import { BucketkitError } from '../errors.js';
import { updateManifest } from './catalog.js';
import type { Dataset } from './datasets.js';
import type { Datarange } from './manifest.js';
import { assertHeld, casOf, checkFree, release, sortRanges, withPending } from './reserve.js';
import type { UploadOptions } from './upload.js';

/**
 * Commits a written datarange: its own reservation gives way to it, after re-checking overlap with
 * what is committed and reserved by others at this moment. Refused (`PreconditionFailed`) once the
 * reservation was released as abandoned: `gc()` may have deleted the objects by then.
 */
export async function commit(
  dataset: Dataset,
  range: Datarange,
  options: { signal?: AbortSignal } = {},
): Promise<Datarange> {
  const { port, name } = dataset;
  const committed = await updateManifest(
    port,
    name,
    (current) => {
      const manifest = checkFree(current, name, range.first, range.last, range.counter);
      assertHeld(manifest, range.counter);
      const pending = (manifest.pending ?? []).filter((p) => p.counter !== range.counter);
      const dataranges = sortRanges([...manifest.dataranges, range]);
      return { manifest: withPending({ ...manifest, dataranges }, pending), result: undefined };
    },
    casOf(dataset, options.signal),
  );
  dataset.remember(committed.state);
  return range;
}

/** Commits a written datarange, or removes its objects and its reservation when that fails. */
export async function commitOrUndo(
  dataset: Dataset,
  range: Datarange,
  written: string[],
  options: UploadOptions,
): Promise<Datarange> {
  try {
    return await commit(dataset, range, options);
  } catch (err) {
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, range.counter);
    throw err;
  }
}

// Create-only writes; a failed one may still have landed (a lost response, an abort), so it is
// cleaned up too, unless it failed because the key was taken, which means it is not ours.
export async function writeCreateOnly(
  dataset: Dataset,
  key: string,
  body: Uint8Array,
  contentType: string,
  written: string[],
  options: UploadOptions,
  createOnly: 'always' | 'prefer',
): Promise<void> {
  const put = (conditional: boolean) =>
    dataset.port.put(key, body, {
      ...(conditional ? { ifNoneMatch: '*' as const } : {}),
      contentType,
      signal: options.signal,
      ...(options.onProgress && contentType === 'application/x-tar'
        ? { onProgress: options.onProgress }
        : {}),
    });
  try {
    // Create-only always where the port can: a writer on the fast path may have written this very
    // key under the same predicted counter, and an unconditional write over it would be deleted by
    // that writer's cleanup. With a reserved counter ('prefer') a port that cannot write this size
    // create-only (S3 multipart where the server ignores conditions) writes it plainly, refusing
    // before sending a byte; no fast-path writer can have written that size there either.
    await put(true).catch((err: unknown) => {
      if (createOnly === 'prefer' && BucketkitError.is(err, 'Unsupported')) return put(false);
      throw err;
    });
  } catch (err) {
    if (!BucketkitError.is(err, 'PreconditionFailed')) written.push(key);
    throw err;
  }
  written.push(key);
}
