/** The append-only map from attribute dot paths to the short base36 ids used as metadata keys. */
import { bkError } from '../../errors.js';

/** Dot path → short base36 id (`'0'`, `'1'`, …, `'a'`, …, `'10'`); ids are never reused. */
export type AttributeMap = Readonly<Record<string, string>>;

/**
 * Gives every new path the next id. Ids are base36 (lowercase, since S3 lowercases metadata keys) and
 * never reused: removing a field from a schema keeps its id in the map, so old records still decode.
 *
 * @example
 * ```ts
 * let { map, nextIndex } = extendAttributeMap({}, 0, schema.fields.map((f) => f.path));
 * ({ map, nextIndex } = extendAttributeMap(map, nextIndex, ['profile.twitter'])); // adds one id
 * ```
 */
export function extendAttributeMap(
  map: AttributeMap,
  nextIndex: number,
  paths: readonly string[],
): { map: AttributeMap; nextIndex: number } {
  if (!Number.isSafeInteger(nextIndex) || nextIndex < 0) {
    throw bkError('InvalidArgument', `nextIndex must be a whole number ≥ 0; got ${nextIndex}`);
  }
  const used = new Set(Object.values(map));
  const out: Record<string, string> = { ...map };
  let next = nextIndex;
  for (const path of paths) {
    if (Object.hasOwn(out, path)) continue;
    const id = next.toString(36);
    if (used.has(id)) {
      throw bkError('InvalidArgument', `attribute id "${id}" is already taken: nextIndex is behind the map`, {
        details: { id, nextIndex },
      });
    }
    out[path] = id;
    used.add(id);
    next++;
  }
  return { map: Object.freeze(out), nextIndex: next };
}

/** Id → path, checking that no id appears twice (a damaged map would otherwise mix fields up). */
export function reverseMap(map: AttributeMap): Map<string, string> {
  const reverse = new Map<string, string>();
  for (const [path, id] of Object.entries(map)) {
    if (reverse.has(id)) {
      throw bkError('Corrupt', `attribute id "${id}" names both "${reverse.get(id)}" and "${path}"`, {
        details: { id },
      });
    }
    reverse.set(id, path);
  }
  return reverse;
}
