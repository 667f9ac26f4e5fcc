import { closeSync, existsSync, futimesSync, openSync } from 'node:fs';
import { link, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BucketkitError, bkError, throwIfAborted } from '../../errors.js';
import type { CopyOptions, PutResult } from '../contract/port.js';
import { assertValidMetadata, checkPreconditions } from '../contract/validate.js';
import { commitRecord } from './commit.js';
import { dataFileSuffix } from './data.js';
import type { Folder, Location } from './folder.js';
import { isMissing, makeFolder } from './io.js';
import { type ObjectRecord, readOpenRecordNow } from './record.js';

/**
 * Copies `source` to `destination` in `folder`: a data file is hard-linked, inline bytes go into the
 * new record; with `mirror`, a small record is written in place without a new file.
 */
export async function copyObject(
  folder: Folder,
  source: string,
  destination: string,
  options: CopyOptions,
): Promise<PutResult> {
  const from = folder.locate(source);
  const to = folder.locate(destination);
  assertValidMetadata(options.metadata);
  throwIfAborted(options.signal);
  if (options.mirror && !options.metadata && !options.contentType && source !== destination) {
    const mirrored = await mirrorRecord(folder, source, from, destination, to, options);
    if (mirrored) return mirrored;
  }
  const { record: original, inline } = folder.mustReadRecord(source, from);
  checkPreconditions(source, original.etag, { ifMatch: options.ifSourceMatch });
  const dataName = inline ? undefined : `${to.base}~d${dataFileSuffix()}`;
  if (dataName !== undefined) await linkData(join(from.dir, original.data!), to.dir, dataName, source);
  const contentType = options.metadata ? options.contentType : (options.contentType ?? original.contentType);
  const record: ObjectRecord = {
    ...original,
    key: destination,
    lastModified: Date.now(),
    metadata: { ...(options.metadata ?? original.metadata) },
    ...(contentType ? { contentType } : {}),
  };
  if (dataName === undefined) delete record.data;
  else record.data = dataName;
  if (!contentType) delete record.contentType;
  let committed = false;
  try {
    await commitRecord(to, record, options, folder.durable, inline);
    committed = true;
  } finally {
    if (!committed && dataName !== undefined) await unlink(join(to.dir, dataName)).catch(() => {});
  }
  return { etag: record.etag, size: record.size };
}

/**
 * A copy with `mirror`: the source's record as it is (its Last-Modified too), written in place into
 * the destination's record. The destination's lock is taken by hard-linking the source's record
 * file to the lock's name (lock.ts), so the write makes and frees no file: on ext4 a new file costs
 * more than the rest of a small write (its inode search skips every recently freed one). Undefined
 * when this does not apply (a data file, named from its record's folder; no record to write in
 * place): the caller copies.
 */
async function mirrorRecord(
  folder: Folder,
  source: string,
  from: Location,
  destination: string,
  to: Location,
  options: CopyOptions,
): Promise<PutResult | undefined> {
  let fd: number;
  try {
    fd = openSync(from.record, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined; // the copy reports it
    throw err;
  }
  try {
    const { record, inline, place } = readOpenRecordNow(source, fd);
    checkPreconditions(source, record.etag, { ifMatch: options.ifSourceMatch });
    if (!inline || !place) return undefined;
    // the file is a lock while it has the lock's name: as fresh as a new one, for waiters (lock.ts)
    const now = new Date();
    futimesSync(fd, now, now);
    const linked = { from: from.record, fd };
    const mirrored = { ...record, key: destination };
    const written = await commitRecord(to, mirrored, options, folder.durable, inline, linked);
    return written ? { etag: record.etag, size: record.size } : undefined;
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) {
      throw bkError('NotFound', `"${source}" was deleted during the copy`, {
        cause: err,
        details: { key: source },
      });
    }
    throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Hard-links a data file as the copy's data (data files are never modified once written, so this is a
 * safe, instant copy), making the folder again if a sweep removed it meanwhile. The link is touched:
 * it shares the source's modification time, and a sweep takes a file older than its grace period and
 * named by no record for a crash's leftover.
 */
async function linkData(from: string, dir: string, name: string, source: string): Promise<void> {
  const to = join(dir, name);
  for (let attempt = 1; ; attempt++) {
    await makeFolder(dir);
    try {
      await link(from, to);
      break;
    } catch (err) {
      if (!isMissing(err)) throw err;
      if (attempt === 8 || !existsSync(from))
        throw bkError('NotFound', `"${source}" was deleted during the copy`, { details: { key: source } });
    }
  }
  const now = new Date();
  await utimes(to, now, now);
}
