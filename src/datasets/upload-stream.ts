/**
 * Uploading a datarange from a TAR stream of unknown length with bounded memory: the bytes go
 * straight to `port.put` (multipart on S3, a temp file on the file adapter) while a push parser
 * checks every header on the way, so only headers and the index are ever held.
 */
import { BucketkitError, bkError } from '../errors.js';
import { chunksOf } from '../storage/browser.js';
import { requireConditionalWrites } from './catalog.js';
import type { Dataset } from './datasets.js';
import { heartbeat } from './heartbeat.js';
import type { Datarange } from './manifest.js';
import { datarangeKeys } from './names.js';
import { release, reserve } from './reserve.js';
import { buildIndex, validateDatarange } from './tar-index.js';
import { type TarEntry, TarParser } from './tar-reader.js';
import { claimedRange, terms, type UploadOptions } from './upload.js';
import { commit } from './upload-writes.js';

/** Options of `uploadTarStream`. */
export interface StreamUploadOptions extends UploadOptions {
  /**
   * The last datapoint the stream holds, when known: the whole range is then reserved up front, so
   * an overlapping upload is refused before any byte moves. Without it only the first datapoint is
   * reserved and overlap with the rest is checked at commit.
   */
  last?: bigint | number;
}

/**
 * Uploads one datarange from a TAR stream (a file, a pipe, a download) without holding it in
 * memory. Validation is that of `uploadDatarange`; a rejected stream is aborted and leaves nothing.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { Readable } from 'node:stream';
 * const body = Readable.toWeb(createReadStream('frames.tar')) as ReadableStream<Uint8Array>;
 * const range = await uploadTarStream(datasets(port).open('frames'), body, { last: 1000n });
 * ```
 */
export async function uploadTarStream(
  dataset: Dataset,
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: StreamUploadOptions = {},
): Promise<Datarange> {
  await requireConditionalWrites(dataset.port);
  const parser = new TarParser({ all: true });
  const entries: TarEntry[] = [];
  const chunks = chunksOf(source)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  // Read until the first header is complete: it names the first datapoint, hence the object key.
  while (entries.length === 0) {
    const next = await chunks.next();
    if (next.done) {
      entries.push(...parser.end());
      break;
    }
    head.push(next.value);
    entries.push(...parser.push(next.value));
  }
  const first = claimedRange(entries.slice(0, 1)).first;
  const claimedLast = options.last === undefined ? first : BigInt(options.last);
  const counter = await reserve(
    dataset,
    {
      first,
      last: claimedLast,
      kind: 'upload',
      // the stream goes up without a create-only condition (multipart), so rivals must know
      plain: true,
      ...terms(options),
    },
    options,
  ).catch((err: unknown) => {
    throw options.last === undefined ? openEnded(err, first, dataset.name) : err;
  });
  const beat = heartbeat(dataset, counter, options.leaseMs);
  // The `.tar` key names the last datapoint; unless the caller said it, it is known only at the end,
  // so the stream goes to a provisional key of this counter and is copied server-side after.
  const target = datarangeKeys(dataset.name, first, claimedLast, counter).data;
  let invalid: unknown;
  let size = 0;
  const written: string[] = [];
  async function* body(): AsyncGenerator<Uint8Array> {
    let checked = 0;
    const check = () => {
      for (; checked < entries.length; checked++) {
        const n = first + BigInt(checked);
        try {
          validateDatarange([entries[checked]!], { first: n, last: n });
        } catch (err) {
          if (!BucketkitError.is(err)) throw err;
          // Entries are checked one at a time: report the position in the whole stream.
          // (err.message starts with its code, which bkError adds again)
          const said = err.message.slice(`${err.code}: `.length);
          throw bkError(err.code, said.replace(/^entry 0\b/, `entry ${checked}`), {
            cause: err,
            details: { ...err.details, entry: checked },
          });
        }
      }
    };
    try {
      for (const chunk of head) {
        size += chunk.byteLength;
        yield chunk;
      }
      check();
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        entries.push(...parser.push(next.value));
        check();
        size += next.value.byteLength;
        yield next.value;
      }
      if (head.length > 0) entries.push(...parser.end());
      check();
    } catch (err) {
      invalid = err;
      throw err;
    }
  }
  try {
    written.push(target);
    await dataset.port
      .put(target, body(), {
        contentType: 'application/x-tar',
        signal: options.signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
      .catch((err: unknown) => {
        throw invalid ?? err;
      });
    const last = first + BigInt(entries.length) - 1n;
    if (options.last !== undefined && last !== claimedLast) {
      throw bkError(
        'InvalidArgument',
        `the stream holds datapoints ${first}..${last}, not ${first}..${claimedLast} as claimed`,
        { details: { first: String(first), last: String(last), expected: String(claimedLast) } },
      );
    }
    const keys = datarangeKeys(dataset.name, first, last, counter);
    if (keys.data !== target) {
      written.push(keys.data);
      await dataset.port.copy(target, keys.data, { signal: options.signal });
      await dataset.port.delete(target, { signal: options.signal });
    }
    written.push(keys.index);
    await dataset.port.put(keys.index, buildIndex(entries), {
      ifNoneMatch: '*',
      contentType: 'application/octet-stream',
      signal: options.signal,
    });
    await beat.stop();
    return await commit(dataset, { first, last, counter, key: keys.data, size }, options);
  } catch (err) {
    await beat.stop();
    await chunks.return?.(undefined);
    await Promise.allSettled(written.map((key) => dataset.port.delete(key)));
    await release(dataset, counter);
    throw err;
  }
}

/**
 * Without `last` only the first datapoint is reserved before the stream is read, so a clash there is
 * about the archive from `first` on, not about a datarange `first..first`.
 */
function openEnded(err: unknown, first: bigint, dataset: string): unknown {
  const clash = BucketkitError.is(err, 'InvalidArgument')
    ? (err.details.overlaps as { first?: string; last?: string; pending?: boolean } | undefined)
    : undefined;
  if (!clash?.first || !BucketkitError.is(err)) return err;
  const what = clash.pending ? 'an in-flight upload of' : 'committed datarange';
  return bkError(
    'InvalidArgument',
    `the archive starts at datapoint ${first}, inside ${what} ${clash.first}..${clash.last} of ${dataset}; a datapoint is stored once: upload from ${BigInt(clash.last ?? first) + 1n} on, or remove that datarange first`,
    { cause: err, details: err.details },
  );
}
