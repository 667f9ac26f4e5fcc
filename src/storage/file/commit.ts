import { closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkPreconditions } from '../contract/validate.js';
import { unlinkQuietly } from './data.js';
import type { Location } from './folder.js';
import { fsync, syncFolder, writeChunksNow } from './io.js';
import { type LinkedLock, withFileLock } from './lock.js';
import { encodeRecord, type ObjectRecord, openRecordForWriteNow } from './record.js';
import { markDoneNow, newRecordFile, writeOtherSlotNow } from './record-slots.js';

/** The preconditions and abort signal a commit honours. */
export interface CommitConditions {
  ifNoneMatch?: '*';
  ifMatch?: string;
  signal?: AbortSignal;
}

/**
 * Under the key's lock, checks the preconditions against the current record and writes the new
 * one: in place, into the slot the current record is not in (record-slots.ts), or for a new
 * key (or a record that outgrew its slot) into the lock file, renamed into place. `inline` bytes go
 * inside the record. A durable port syncs the record (and after a rename, its folder) before the
 * write returns and the old data file goes. With a `linked` lock (another record file, `mirror`)
 * the lock file is no place for a record: false, and nothing written, when no write in place fits.
 */
export function commitRecord(
  at: Location,
  record: ObjectRecord,
  conditions: CommitConditions,
  durable: boolean,
  inline?: Uint8Array,
  linked?: LinkedLock,
): Promise<boolean> {
  return withFileLock(
    at.lock,
    async (lock) => {
      // a create-only write expects no record: asking first spares the failed open's error (its
      // stack trace costs more than the syscall)
      const absent = conditions.ifNoneMatch === '*' && !existsSync(at.record);
      const open = absent ? undefined : openRecordForWriteNow(at.record, record.key);
      const old = open?.stored.record;
      try {
        checkPreconditions(record.key, old?.etag, conditions);
        const place = open?.stored.place;
        const payload = encodeRecord(record, inline);
        const seq = open && place ? writeOtherSlotNow(open.fd, place, payload) : undefined;
        if (seq !== undefined) {
          if (durable) await fsync(open!.fd);
          // from here a damaged slot is Corrupt, never a reason to read the record before it
          markDoneNow(open!.fd, place!.slotB, seq);
        } else {
          if (linked) return false;
          writeChunksNow(lock.fd, [newRecordFile(payload)]);
          if (durable) await fsync(lock.fd);
          // no record file yet (`open` is undefined under the lock): a rename to a new name, or a
          // link when created only (putMirrored links records without this lock, mirror.ts)
          const fresh = open === undefined && conditions.ifNoneMatch === '*' ? 'create' : open === undefined;
          await lock.commit(at.record, fresh).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
            checkPreconditions(record.key, 'present', conditions);
          });
          // the rename itself survives a power cut only once the folder is synced
          if (durable) await syncFolder(at.dir);
        }
      } finally {
        if (open) closeSync(open.fd);
      }
      // the old data is unreachable now
      if (old?.data !== undefined) unlinkQuietly(join(at.dir, old.data));
      return true;
    },
    { signal: conditions.signal, makeDir: true, ...(linked ? { linked } : {}) },
  );
}
