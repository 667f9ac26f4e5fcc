/**
 * A small object written under two names in one write (`putMirrored`: a gateway version and the key
 * that mirrors it) making one new file: the record file is created as the mirror's lock, hard-linked
 * as the object's record, and its payload written in place into the mirror's record. On ext4 without a
 * journal a new file's inode search skips every inode freed in the last minutes; creating the file in
 * the mirror's folder, where an unversioned write of that key creates its lock, makes the search the
 * same as that write's (docs/storage.md).
 */
import { closeSync, linkSync, mkdirSync, renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPreconditions } from '../contract/validate.js';
import { dataFileSuffix, unlinkQuietly } from './data.js';
import type { Location } from './folder.js';
import { fsync, openCreatingNow, syncFolder, writeChunksNow } from './io.js';
import { withFileLock } from './lock.js';
import { openRecordForWriteNow } from './record.js';
import { markDoneNow, newRecordFile, writeOtherSlotNow } from './record-slots.js';

/** What {@link writeMirrored} needs besides the two places and the record's bytes. */
export interface MirroredWrite {
  durable: boolean;
  /** The object's key (created only: `PreconditionFailed` when it exists). */
  key: string;
  /** The mirror's key. */
  mirror: string;
  signal?: AbortSignal | undefined;
}

/**
 * Creates the record `encode()` gives (an encoded record with its bytes inline) at `at`, create-only,
 * and writes the same record into the mirror at `to`: in place when it has a record with room, else
 * as a new file renamed into place, under the mirror's lock; the object's record is complete (and
 * synced when durable) before it has its name, and the mirror changes only after it.
 *
 * @example
 * ```ts
 * await writeMirrored(versionAt, keyAt, () => encodeRecord(record, bytes), { durable, key, mirror });
 * ```
 */
export async function writeMirrored(
  at: Location,
  to: Location,
  encode: () => Uint8Array,
  write: MirroredWrite,
): Promise<void> {
  const { durable, signal } = write;
  await withFileLock(
    to.lock,
    async (lock) => {
      // the encoding is a view into a buffer every record write reuses: made where it is written
      // before anything waits, and made again after a sync (other writes run meanwhile) — a copy of
      // it for each PUT cost more (a 4 KiB object's record is an allocation of its own)
      let payload = encode();
      writeChunksNow(lock.fd, [newRecordFile(payload)]);
      if (durable) await fsync(lock.fd);
      // create-only without the object's lock: `link` fails when the record exists, and a writer
      // holding that lock creates a record by `link` too (lock.ts, `commit`)
      linkRecord(to.lock, at, write.key);
      if (durable) {
        await syncFolder(at.dir);
        payload = encode();
      }
      // the lock file is the object's record now: the mirror gets its own copy of the record
      await writeMirror(to, write.mirror, payload, durable);
    },
    { signal, makeDir: true },
  );
}

/** `from` linked as the record at `at`: `PreconditionFailed` when there is one. */
function linkRecord(from: string, at: Location, key: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      linkSync(from, at.record);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') checkPreconditions(key, 'present', { ifNoneMatch: '*' });
      if (code !== 'ENOENT' || attempt === 8) throw err;
      // the object's folder is new (or a sweep removed it meanwhile)
      mkdirSync(at.dir, { recursive: true });
    }
  }
}

/** The mirror's record replaced by `payload`, under its lock. */
async function writeMirror(to: Location, key: string, payload: Uint8Array, durable: boolean): Promise<void> {
  const open = openRecordForWriteNow(to.record, key);
  const old = open?.stored.record;
  try {
    const place = open?.stored.place;
    const seq = open && place ? writeOtherSlotNow(open.fd, place, payload) : undefined;
    if (open && place && seq !== undefined) {
      if (durable) await fsync(open.fd);
      markDoneNow(open.fd, place.slotB, seq);
    } else {
      // no record to write in place (a new key, one too large for its slot): a new file
      const temp = join(to.dir, `${to.base}~t${dataFileSuffix()}`);
      const fd = openCreatingNow(to.dir, temp);
      try {
        writeChunksNow(fd, [newRecordFile(payload)]);
        if (durable) await fsync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        if (open === undefined) renameSync(temp, to.record);
        else await rename(temp, to.record);
      } catch (err) {
        unlinkQuietly(temp);
        throw err;
      }
      if (durable) await syncFolder(to.dir);
    }
  } finally {
    if (open) closeSync(open.fd);
  }
  if (old?.data !== undefined) unlinkQuietly(join(to.dir, old.data));
}
