/**
 * The five behaviours: where each encoded field goes (metadata, JSON body, truncated or refused) when a
 * record does or does not fit S3's metadata limit. Same names and rules as s3db.js; sizes are measured
 * on the final metadata, after every encoding layer.
 */
import { bkError } from '../../errors.js';
import { utf8Length } from './base.js';
import { METADATA_LIMIT, metadataBytes } from './limits.js';
import { encodeString } from './values.js';

/**
 * - `body-overflow` (default): smallest fields in metadata while they fit, the rest in a JSON body.
 * - `body-only`: every field in the body; metadata holds only the version.
 * - `truncate-data`: metadata only; the first field that does not fit is cut (strings, at a character
 *   boundary) and the larger ones dropped; the record is marked truncated.
 * - `enforce-limits`: metadata only; a record over the limit throws `MetadataTooLarge`.
 * - `user-managed`: metadata when it fits; otherwise reports through `onExceedsLimit` and stores the
 *   whole record in the body.
 */
export type BehaviorName =
  | 'body-overflow'
  | 'body-only'
  | 'truncate-data'
  | 'enforce-limits'
  | 'user-managed';

export const BEHAVIORS: readonly BehaviorName[] = [
  'body-overflow',
  'body-only',
  'truncate-data',
  'enforce-limits',
  'user-managed',
];

/** What `user-managed` reports when a record does not fit in metadata. */
export interface ExceedsLimit {
  bytes: number;
  limit: number;
  excess: number;
}

/**
 * System metadata keys. Attribute ids are pure base36, so a key with `-` never collides with one. Not
 * `_`: Ceph RGW turns `_` in metadata keys into `-` (s3db's `_v` comes back as `-v` there).
 */
export const VERSION_KEY = 'v-';
/** Present (`1`) when the object's body holds record fields as JSON. */
export const BODY_KEY = 'o-';
/** Present (`1`) when `truncate-data` cut or dropped fields. */
export const TRUNCATED_KEY = 't-';
const FLAG_BYTES = 3;

/** One field ready to be placed: its metadata form and its body form. */
export interface Entry {
  key: string;
  token: string;
  bodyKey: string;
  bodyValue: unknown;
  bytes: number;
  /** The plain string value, when truncating it is allowed. */
  text?: string;
}

export interface Placement {
  metadata: Record<string, string>;
  body?: Record<string, unknown>;
  truncated: boolean;
}

/**
 * Places encoded fields according to a behaviour.
 *
 * @example
 * ```ts
 * const { metadata, body } = place(entries, { 'v-': 'v1' }, 'body-overflow');
 * ```
 */
export function place(
  entries: readonly Entry[],
  system: Record<string, string>,
  behavior: BehaviorName,
  onExceedsLimit?: (info: ExceedsLimit) => void,
): Placement {
  if (!BEHAVIORS.includes(behavior)) {
    throw bkError('InvalidArgument', `unknown behavior "${behavior}"; use one of ${BEHAVIORS.join(', ')}`, {
      details: { behavior },
    });
  }
  const systemBytes = metadataBytes(system);
  if (systemBytes + FLAG_BYTES > METADATA_LIMIT) throw tooLarge(systemBytes + FLAG_BYTES);
  const bytes = entries.reduce((sum, entry) => sum + entry.bytes, systemBytes);
  const fits = bytes <= METADATA_LIMIT;
  if (behavior === 'body-only') return inBody(entries, [], system);
  if (fits) return { metadata: { ...system, ...metadataOf(entries) }, truncated: false };
  switch (behavior) {
    case 'enforce-limits':
      throw tooLarge(bytes);
    case 'user-managed':
      onExceedsLimit?.({ bytes, limit: METADATA_LIMIT, excess: bytes - METADATA_LIMIT });
      return inBody(entries, [], system);
    case 'body-overflow': {
      const { kept, rest } = smallestFirst(entries, METADATA_LIMIT - systemBytes - FLAG_BYTES);
      return inBody(rest, kept, system);
    }
    case 'truncate-data': {
      let budget = METADATA_LIMIT - systemBytes - FLAG_BYTES;
      const { kept, rest } = smallestFirst(entries, budget);
      budget -= kept.reduce((sum, entry) => sum + entry.bytes, 0);
      const cut = rest[0]?.text === undefined ? undefined : truncateEntry(rest[0], budget);
      return {
        metadata: { ...system, ...metadataOf(cut ? [...kept, cut] : kept), [TRUNCATED_KEY]: '1' },
        truncated: true,
      };
    }
  }
}

/** Entries in ascending size (ties keep schema order) while they fit; the first misfit and all after it are the rest. */
function smallestFirst(entries: readonly Entry[], budget: number): { kept: Entry[]; rest: Entry[] } {
  const sorted = entries.map((entry, index) => ({ entry, index }));
  sorted.sort((a, b) => a.entry.bytes - b.entry.bytes || a.index - b.index);
  const kept: Entry[] = [];
  let used = 0;
  let i = 0;
  for (; i < sorted.length && used + sorted[i]!.entry.bytes <= budget; i++) {
    used += sorted[i]!.entry.bytes;
    kept.push(sorted[i]!.entry);
  }
  return { kept, rest: sorted.slice(i).map(({ entry }) => entry) };
}

function inBody(
  bodyEntries: readonly Entry[],
  metaEntries: readonly Entry[],
  system: Record<string, string>,
): Placement {
  const body: Record<string, unknown> = {};
  for (const entry of bodyEntries) body[entry.bodyKey] = entry.bodyValue;
  return { metadata: { ...system, ...metadataOf(metaEntries), [BODY_KEY]: '1' }, body, truncated: false };
}

function metadataOf(entries: readonly Entry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [entry.key, entry.token]));
}

/** The longest prefix (whole code points) of the entry's text whose encoding fits the budget. */
function truncateEntry(entry: Entry, budget: number): Entry | undefined {
  const room = budget - utf8Length(entry.key);
  const chars = Array.from(entry.text!);
  const tokenOf = (n: number) => encodeString(chars.slice(0, n).join(''));
  if (tokenOf(0).length > room) return undefined;
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (tokenOf(mid).length <= room) low = mid;
    else high = mid - 1;
  }
  const token = tokenOf(low);
  return { ...entry, token, bytes: utf8Length(entry.key) + token.length };
}

function tooLarge(bytes: number) {
  const excess = bytes - METADATA_LIMIT;
  return bkError(
    'MetadataTooLarge',
    `the record needs ${bytes} bytes of metadata; the limit is ${METADATA_LIMIT} (${excess} over). ` +
      'Shorten the values or use the body-overflow behavior',
    { details: { bytes, limit: METADATA_LIMIT, excess } },
  );
}
