import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { throwIfAborted } from '../../errors.js';
import { chunksOf, concatBytes, readUpTo } from '../contract/body.js';
import { writeToken } from '../contract/md5.js';
import type { Abortable, Body, PutOptions, PutResult } from '../contract/port.js';
import { assertValidMetadata } from '../contract/validate.js';
import type { BlockSums } from './block-sums.js';
import { commitRecord } from './commit.js';
import { copyObject } from './copy.js';
import { dataFileSuffix, unlinkQuietly, writeDataFile } from './data.js';
import type { Folder, Location } from './folder.js';
import { writeMirrored } from './mirror.js';
import { encodeRecord, INLINE_MAX, type ObjectRecord } from './record.js';

/** The key a `putMirrored` also writes, and where. */
export interface MirrorTarget {
  key: string;
  at: Location;
}

/**
 * Writes `key` in `folder`: objects up to 16 KiB inside the record, larger ones as a data file and a
 * record. With `mirror`, the object is also written as `mirror` (`putMirrored`): a small create-only
 * write makes one record file for both (mirror.ts), anything else is a put and a mirror copy.
 */
export async function writeObject(
  folder: Folder,
  key: string,
  body: Body,
  options: PutOptions,
  mirror?: MirrorTarget,
): Promise<PutResult> {
  const at = folder.locate(key);
  assertValidMetadata(options.metadata);
  const chunks = chunksOf(body, options);
  const head = await readUpTo(chunks, INLINE_MAX);
  const record = (etag: string, size: number, data?: string, blocks?: BlockSums): ObjectRecord => ({
    v: 1,
    key,
    ...(data === undefined ? {} : { data }),
    etag,
    // a data file's MD5, which whole reads check (inline bytes are covered by the record's CRC)
    ...(data !== undefined && options.etag !== 'any' ? { sum: 'md5' as const } : {}),
    // its block checksums, which every read checks (ranged ones too)
    ...(blocks ? { blocks } : {}),
    size,
    lastModified: Date.now(),
    metadata: { ...options.metadata },
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });
  const copyToMirror = (target: MirrorTarget) =>
    copyObject(folder, key, target.key, { mirror: true, ...signalOf(options) });
  if (head.done) {
    // small: the bytes go inside the record, one file for the whole write
    throwIfAborted(options.signal);
    const bytes = concatBytes(head.chunks, head.size);
    const etag = options.etag === 'any' ? writeToken() : createHash('md5').update(bytes).digest('hex');
    if (mirror && options.ifNoneMatch === '*' && options.ifMatch === undefined) {
      const made = record(etag, head.size);
      await writeMirrored(at, mirror.at, () => encodeRecord(made, bytes), {
        durable: folder.durable,
        key,
        mirror: mirror.key,
        signal: options.signal,
      });
      return { etag, size: head.size };
    }
    await commitRecord(at, record(etag, head.size), options, folder.durable, bytes);
    if (mirror) await copyToMirror(mirror);
    return { etag, size: head.size };
  }
  const dataName = `${at.base}~d${dataFileSuffix()}`;
  const dataPath = join(at.dir, dataName);
  let committed = false;
  try {
    const { etag, size, blocks } = await writeDataFile(at.dir, dataPath, head, chunks, {
      ...options,
      durable: folder.durable,
    });
    await commitRecord(at, record(etag, size, dataName, blocks), options, folder.durable);
    committed = true;
    if (mirror) await copyToMirror(mirror);
    return { etag, size };
  } finally {
    if (!committed) {
      unlinkQuietly(dataPath);
      // stopped early (a disk error, an abort): tell the body's producer nobody reads any more
      await chunks.return(undefined).catch(() => {});
    }
  }
}

const signalOf = (options: Abortable): Abortable => (options.signal ? { signal: options.signal } : {});
