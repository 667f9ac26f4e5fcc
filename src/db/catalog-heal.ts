/**
 * Parsing and healing of the catalog object. Damage that can be repaired without guessing user data
 * (a truncated tail, trailing commas, missing bookkeeping fields, a dangling version pointer) is
 * repaired and listed; anything else is a `Corrupt` error.
 */
import { bkError } from '../errors.js';
import type { Catalog, CatalogResource, CatalogVersion } from './catalog.js';

export interface ParsedCatalog {
  catalog: Catalog;
  /** What was repaired, e.g. `truncated`, `trailing-commas`, `resources.users.current`. Empty when intact. */
  healed: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses catalog text, repairing what can be repaired. Throws `Corrupt` for the rest. */
export function parseCatalog(stored: string): ParsedCatalog {
  const healed: string[] = [];
  // a byte order mark in front of a whole JSON file (an editor's) marks the encoding; it is not content
  const text = stored.startsWith('\uFEFF') ? stored.slice(1) : stored;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const repaired = repairJson(text);
    healed.push(...repaired.fixes);
    try {
      raw = JSON.parse(repaired.text);
    } catch (cause) {
      throw corrupt('it is not JSON and could not be repaired', { cause });
    }
  }
  if (!isObject(raw)) throw corrupt('its top level is not an object');
  return { catalog: normalize(raw, healed), healed };
}

/** Removes trailing commas and closes a truncated document at its last complete member. */
export function repairJson(text: string): { text: string; fixes: string[] } {
  const fixes: string[] = [];
  let out = '';
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let safe = { length: 0, stack: [] as string[] };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      stack.push(ch === '{' ? '}' : ']');
      out += ch;
      safe = { length: out.length, stack: [...stack] };
      continue;
    } else if (ch === '}' || ch === ']') {
      const trimmed = out.trimEnd();
      if (trimmed.endsWith(',')) {
        out = trimmed.slice(0, -1);
        if (!fixes.includes('trailing-commas')) fixes.push('trailing-commas');
      }
      stack.pop();
      out += ch;
      safe = { length: out.length, stack: [...stack] };
      continue;
    } else if (ch === ',') {
      safe = { length: out.length, stack: [...stack] };
    }
    out += ch;
  }
  if (stack.length > 0 || inString) {
    fixes.push('truncated');
    out = out.slice(0, safe.length).trimEnd();
    if (out.endsWith(',')) out = out.slice(0, -1);
    out += safe.stack.reverse().join('');
  }
  return { text: out, fixes };
}

function normalize(raw: Json, healed: string[]): Catalog {
  if (raw.format === undefined) healed.push('format');
  else if (raw.format !== 1) throw corrupt(`its format ${String(raw.format)} is not one this version reads`);
  if (typeof raw.updatedAt !== 'string') healed.push('updatedAt');
  let resources = raw.resources;
  if (resources === undefined) {
    healed.push('resources');
    resources = {};
  }
  if (!isObject(resources)) throw corrupt('"resources" is not an object');
  const out: Record<string, CatalogResource> = {};
  const truncated = healed.includes('truncated');
  for (const [name, value] of Object.entries(resources)) {
    try {
      out[name] = normalizeResource(name, value, healed);
    } catch (err) {
      // The cut fell inside this resource: drop it; the caller checks that it held no records.
      if (!truncated) throw err;
      healed.push(`resources.${name}:dropped`);
    }
  }
  const catalog: Catalog = {
    format: 1,
    updatedAt: typeof raw.updatedAt === 'string' ? raw.updatedAt : new Date().toISOString(),
    resources: out,
  };
  if (raw.crypto !== undefined) catalog.crypto = normalizeCrypto(raw.crypto);
  return catalog;
}

function normalizeResource(name: string, raw: unknown, healed: string[]): CatalogResource {
  const at = `resources.${name}`;
  if (!isObject(raw)) throw corrupt(`${at} is not an object`);
  if (!isObject(raw.versions) || Object.keys(raw.versions).length === 0) {
    throw corrupt(`${at} has no versions, so its records cannot be decoded`, { details: { resource: name } });
  }
  let registry: Record<string, string> | undefined = isStringMap(raw.registry) ? raw.registry : undefined;
  if (!registry) {
    const union: Record<string, string> = {};
    for (const version of Object.values(raw.versions)) {
      if (isObject(version) && isStringMap(version.map)) Object.assign(union, version.map);
    }
    if (Object.keys(union).length === 0 && Object.values(raw.versions).some((v) => isObject(v) && v.map)) {
      throw corrupt(`${at} has neither a registry nor attribute maps`, { details: { resource: name } });
    }
    registry = union;
    healed.push(`${at}.registry`);
  }
  const versions: Record<string, CatalogVersion> = {};
  for (const [id, value] of Object.entries(raw.versions)) {
    versions[id] = normalizeVersion(`${at}.versions.${id}`, value, registry, healed);
  }
  const highest = Math.max(-1, ...Object.values(registry).map((v) => Number.parseInt(v, 36)));
  let nextIndex = raw.nextIndex;
  if (typeof nextIndex !== 'number' || !Number.isInteger(nextIndex) || nextIndex <= highest) {
    healed.push(`${at}.nextIndex`);
    nextIndex = highest + 1;
  }
  let current = raw.current;
  if (typeof current !== 'string' || !versions[current]) {
    healed.push(`${at}.current`);
    current = Object.entries(versions)
      .sort((a, b) => a[1].createdAt.localeCompare(b[1].createdAt))
      .at(-1)![0];
  }
  if (typeof raw.createdAt !== 'string') healed.push(`${at}.createdAt`);
  return {
    current: current as string,
    versions,
    registry,
    nextIndex: nextIndex as number,
    createdAt: typeof raw.createdAt === 'string' ? raw.createdAt : versions[current as string]!.createdAt,
  };
}

function normalizeVersion(
  at: string,
  raw: unknown,
  registry: Record<string, string>,
  healed: string[],
): CatalogVersion {
  if (!isObject(raw)) throw corrupt(`${at} is not an object`);
  if (!isObject(raw.attributes)) throw corrupt(`${at}.attributes is missing; the schema cannot be guessed`);
  const fix = <T>(field: string, ok: boolean, value: unknown, fallback: T): T => {
    if (ok) return value as T;
    healed.push(`${at}.${field}`);
    return fallback;
  };
  return {
    attributes: raw.attributes,
    behavior: fix('behavior', typeof raw.behavior === 'string', raw.behavior, 'body-overflow'),
    partitions: fix('partitions', isPartitions(raw.partitions), raw.partitions, {}),
    timestamps: fix('timestamps', typeof raw.timestamps === 'boolean', raw.timestamps, false),
    paranoid: fix('paranoid', typeof raw.paranoid === 'boolean', raw.paranoid, false),
    map: fix('map', isStringMap(raw.map), raw.map, { ...registry }),
    createdAt: fix('createdAt', typeof raw.createdAt === 'string', raw.createdAt, new Date(0).toISOString()),
  };
}

function normalizeCrypto(raw: unknown): NonNullable<Catalog['crypto']> {
  const isParams = (v: unknown): v is Json =>
    isObject(v) &&
    typeof v.keyId === 'string' &&
    typeof v.salt === 'string' &&
    typeof v.iterations === 'number' &&
    typeof v.check === 'string';
  if (!isParams(raw)) {
    throw corrupt('"crypto" is damaged; without its salt no secret field can be decrypted');
  }
  const previous = Array.isArray(raw.previous) ? raw.previous.filter(isParams) : [];
  return {
    keyId: raw.keyId as string,
    salt: raw.salt as string,
    iterations: raw.iterations as number,
    check: raw.check as string,
    previous: previous.map((p) => ({
      keyId: p.keyId as string,
      salt: p.salt as string,
      iterations: p.iterations as number,
      check: p.check as string,
    })),
  };
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isPartitions(v: unknown): boolean {
  return (
    isObject(v) &&
    Object.values(v).every((f) => Array.isArray(f) && f.length > 0 && f.every((x) => typeof x === 'string'))
  );
}

function corrupt(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
  return bkError(
    'Corrupt',
    `the database catalog cannot be healed: ${message}. Restore it from a backup (bucketkit-db.json.backup.*)`,
    options,
  );
}
