/**
 * `bucketkit lake compact|sweep`: merge small segments, and clean the lake (retention, replaced and
 * unreferenced segment objects), with the CLI's progress display on long runs.
 */
import type { Lake } from '../lake/index.js';
import { humanBytes, out, UsageError } from './output.js';
import { type ProgressFlags, progressMeter } from './progress.js';

/** The options these two commands read. */
export interface CompactValues extends ProgressFlags {
  org?: string | undefined;
  day?: string | undefined;
  'target-bytes'?: string | undefined;
  'retention-days'?: string | undefined;
  grace?: string | undefined;
  json?: boolean | undefined;
}

function whole(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`lake: ${name} must be a whole number, not "${text}"`);
  return Number(text);
}

/**
 * `lake compact URL --org ORG [--day YYYYMMDD] [--target-bytes N]`.
 *
 * @example
 * ```ts
 * await compactCommand(lake, { org: 'acme' });
 * ```
 */
export async function compactCommand(lake: Lake, values: CompactValues): Promise<number> {
  if (!values.org) throw new UsageError('lake compact: --org ORG is needed');
  const dateint = whole(values.day, '--day');
  const targetBytes = whole(values['target-bytes'], '--target-bytes');
  const show = progressMeter('compact', values, 'objects');
  const result = await lake.compact({
    org: values.org,
    ...(dateint === undefined ? {} : { dateint }),
    ...(targetBytes === undefined ? {} : { targetBytes }),
    onProgress: (p) => show(p.groupsDone, p.groups),
  });
  show.end();
  if (values.json) out(JSON.stringify(result));
  else
    out(
      `${result.days} days: ${result.segmentsReplaced} segments merged into ${result.segmentsWritten}` +
        `${result.groupsLost ? ` (${result.groupsLost} merges lost to another compaction)` : ''}, ` +
        `${humanBytes(result.bytesRead)} read, ${humanBytes(result.bytesWritten)} written`,
    );
  return 0;
}

/**
 * `lake sweep URL [--org ORG] [--retention-days N] [--grace D]`.
 *
 * @example
 * ```ts
 * await sweepCommand(lake, { 'retention-days': '30' }, 6 * 3_600_000);
 * ```
 */
export async function sweepCommand(lake: Lake, values: CompactValues, graceMs?: number): Promise<number> {
  const retentionDays = whole(values['retention-days'], '--retention-days');
  const show = progressMeter('sweep', values, 'objects');
  const result = await lake.sweep({
    ...(values.org ? { org: values.org } : {}),
    ...(retentionDays === undefined ? {} : { retentionDays }),
    ...(graceMs === undefined ? {} : { graceMs }),
    onProgress: (p) => show(p.daysDone, p.days),
  });
  show.end();
  if (values.json) out(JSON.stringify(result));
  else
    out(
      `${result.days} days: ${result.daysDropped} dropped, ${result.segmentsRetired} replaced segments and ` +
        `${result.orphansDeleted} unreferenced objects removed, ${result.objectsDeleted} objects ` +
        `(${humanBytes(result.bytesDeleted)}) deleted`,
    );
  return 0;
}
