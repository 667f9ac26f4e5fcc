/**
 * `bucketkit db migrate-s3db`: an s3db.js bucket into bucketkit's format — in place (the default; see
 * docs/db.md, "Migrating in place"), or copied into the database at `--to URL`. Resumable: after a
 * crash or Ctrl-C, run it again.
 */
import { Database, importS3db, migrateS3dbInPlace } from '../db/index.js';
import { connect } from '../storage/index.js';
import type { Values } from './db-context.js';
import { out, UsageError } from './output.js';
import { type Progress, progressMeter } from './progress.js';

export const MIGRATE_S3DB_HELP = `  migrate-s3db [--to URL] [--concurrency N]
                                    the s3db.js bucket at --url into bucketkit's format, in place
                                    (resumable: run again after a crash), or copied into --to URL;
                                    S3DB_PASSPHRASE: s3db.js's passphrase (its default: secret)`;

/** Runs the command (no bucketkit Database is opened on `url` first: there is none yet). */
export async function migrateS3dbCommand(url: string, args: string[], values: Values): Promise<void> {
  if (args.length > 0) throw new UsageError(`db migrate-s3db takes no arguments (unexpected "${args[0]}")`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))
    throw new UsageError('db: --concurrency is a positive integer');
  const passphrase = process.env.S3DB_PASSPHRASE;
  const newPassphrase = process.env.BUCKETKIT_PASSPHRASE;
  const port = connect(url);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let show: Progress | undefined;
  let phase = '';
  try {
    if (values.to) {
      const bucket = await importS3db(port, passphrase ? { passphrase } : {});
      const db = new Database({
        connectionString: values.to,
        ...(newPassphrase ? { passphrase: newPassphrase } : {}),
      });
      await db.connect({ signal: controller.signal });
      try {
        const report = await bucket.migrate(db, concurrency ? { concurrency } : {});
        out(JSON.stringify(report));
      } finally {
        await db.disconnect();
      }
      return;
    }
    const report = await migrateS3dbInPlace(port, {
      ...(passphrase ? { passphrase } : {}),
      ...(newPassphrase ? { newPassphrase } : {}),
      ...(concurrency ? { concurrency } : {}),
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase !== phase) {
          show?.end();
          phase = progress.phase;
          show = progressMeter(`migrate-s3db ${phase}`, values, 'objects');
        }
        show?.(progress.done);
      },
    });
    out(values.json ? JSON.stringify(report) : summary(report));
  } finally {
    show?.end();
    process.off('SIGINT', stop);
    await port.close?.();
  }
}

function summary(report: Awaited<ReturnType<typeof migrateS3dbInPlace>>): string {
  if (report.state === 'already-migrated') return 'already migrated: nothing to do';
  const lines = Object.entries(report.resources).map(
    ([name, r]) =>
      `${name}: ${r.staged} staged, ${r.swapped} swapped, ${r.partitionEntries} partition entries`,
  );
  return ['migrated in place', ...lines].join('\n');
}
