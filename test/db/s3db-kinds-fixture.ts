/**
 * The rest of s3db.js 21.6.2's attribute types, written by the real s3db.js: bytes (`buffer`, `bits`),
 * its compact formats (timeonly, mac, cidr, semver, phone, color, duration, ean), the string types it
 * keeps as given, its own numeric types (embeddings, money, decimals, geo, IPs) and compressed `text`;
 * and how each value s3db.js's get() returns is expected back from bucketkit.
 */
import { s3dbModule } from '../../bench/db-s3db.js';
import type { S3dbResourceInfo } from '../../src/db/index.js';
import type { StoragePort } from '../../src/storage/index.js';
import { PASSPHRASE, type Row, writeWithS3db } from './s3db-fixture.js';

const bytes = (...values: number[]) => new Uint8Array(values);
const SERIES = Array.from({ length: 300 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);

const KIND_ATTRIBUTES = {
  buf: 'buffer|optional',
  b64: 'buffer|optional',
  empty: 'buffer|optional',
  flags: 'bits:20|optional',
  mask: 'bits|optional',
  time: 'timeonly|optional',
  mac: 'mac|optional',
  cidr: 'cidr|optional',
  semver: 'semver|optional',
  phone: 'phone|optional',
  color: 'color|optional',
  duration: 'duration|optional',
  ean: 'ean|optional',
  day: 'dateonly|optional',
  ref: 'uuid|optional',
  pw: 'password|optional',
  pin: 'secretNumber|optional',
  note: 'secretAny|optional',
  cur: 'currency|optional',
  country: 'country|optional',
  site: 'url|optional',
  locale: 'locale|optional',
  cron: 'cron|optional',
  level: { type: 'enum', values: ['low', 'high'], optional: true },
  nested: { blob: 'buffer|optional', at: 'timeonly|optional' },
  // `{ type }` definitions: s3db.js gives them none of their type's steps (arrays' items aside)
  objDate: { type: 'datetime', optional: true },
  objNum: { type: 'number', optional: true },
  objBool: { type: 'boolean', optional: true },
  objMoney: { type: 'money', optional: true },
  objIp: { type: 'ip4', optional: true },
  objNums: { type: 'array', items: 'number', optional: true },
};

// s3db.js 21.6.2 validates buffer and bits attributes as `any`, which makes them required
const SOME_BYTES = {
  buf: bytes(7),
  b64: 'Bw==',
  empty: bytes(),
  flags: bytes(0, 0, 0),
  mask: bytes(),
  nested: { blob: bytes(1) },
};
const KIND_RECORDS: Row[] = [
  {
    id: 'full',
    buf: bytes(0, 1, 2, 255, 254),
    // bytes given as base64 text are stored as given and read back as the bytes
    b64: 'AAEC//4=',
    empty: bytes(),
    flags: bytes(0xff, 0x0f, 0x01),
    mask: 'gA==',
    time: '13:45:30.250',
    mac: 'aa:bb:cc:00:11:22',
    cidr: '10.0.0.0/8',
    semver: '1.22.333',
    phone: '+351912345678',
    color: '#ff8800',
    duration: 'PT1H30M',
    ean: '5901234123457',
    day: '2024-02-29',
    ref: '123e4567-e89b-12d3-a456-426614174000',
    pw: 'hunter2',
    pin: 1234,
    note: 'any secret ✓',
    cur: 'EUR',
    country: 'PT',
    site: 'https://example.com/a',
    locale: 'pt-PT',
    cron: '*/5 * * * *',
    level: 'high',
    nested: { blob: bytes(9, 8, 7), at: '00:00:00.001' },
    objDate: '2024-05-01T10:00:00.000Z',
    objNum: 42.5,
    objBool: true,
    objMoney: 12.34,
    objIp: '10.1.2.3',
    objNums: [1, 2.5, -3],
  },
  {
    id: 'edges',
    buf: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256),
    b64: '/+8=',
    empty: bytes(0),
    flags: 'AAAA',
    mask: bytes(1, 2),
    nested: { blob: '' },
    time: '23:59:59.999',
    mac: 'AA:BB:CC:DD:EE:FF',
    cidr: '192.168.1.0/24',
    semver: '0.0.0',
    phone: '+14155552671',
    color: '#000000',
    duration: '90m',
    ean: '96385074',
    day: '1970-01-01',
    level: 'low',
  },
  // values s3db.js's validator rewrites before they are stored
  {
    id: 'normalized',
    semver: '01.002.3',
    color: '#AbC',
    duration: 'P2DT3H4M5.006S',
    ean: '00012345600012',
    time: '00:00',
    ...SOME_BYTES,
  },
  { id: 'bare', ...SOME_BYTES, b64: '' },
];

const TYPED_ATTRIBUTES = {
  vec: 'embedding:4',
  series: 'array|items:number|optional',
  price: 'money|optional',
  cents: 'money:3|optional',
  btc: 'crypto|optional',
  rate: 'decimal:4|optional',
  lat: 'geo:lat|optional',
  lon: 'geo:lon|optional',
  where: 'geo:point|optional',
  ip: 'ip4|optional',
  ip6: 'ip6|optional',
};
const TYPED_RECORDS: Row[] = [
  {
    id: 'lisbon',
    vec: [0.25, -1.5, 0, 1.234567],
    series: SERIES,
    price: 1999.99,
    cents: 12.345,
    btc: 0.00012345,
    rate: -1.2345,
    lat: 38.722252,
    lon: -9.139337,
    where: { lat: 38.722252, lon: -9.139337 },
    ip: '192.168.10.254',
    ip6: '2001:db8:0:0:0:0:2:1',
  },
  { id: 'edges', vec: [1, 2, 3, 4], price: 0, lat: -90, lon: 180, where: [0, 0], ip: '0.0.0.0', ip6: '::1' },
];

/** What s3db.js writes: the kinds under four behaviours (in metadata; in the body for body-only), and its own numeric types. */
export const KINDS: { definition: Row; records: Row[] }[] = [
  {
    definition: { name: 'kinds', behavior: 'body-overflow', attributes: KIND_ATTRIBUTES },
    records: KIND_RECORDS,
  },
  {
    definition: { name: 'kindsbody', behavior: 'body-only', attributes: KIND_ATTRIBUTES },
    records: KIND_RECORDS,
  },
  {
    definition: { name: 'kindsuser', behavior: 'user-managed', attributes: KIND_ATTRIBUTES },
    records: KIND_RECORDS,
  },
  {
    definition: { name: 'kindsstrict', behavior: 'enforce-limits', attributes: KIND_ATTRIBUTES },
    records: KIND_RECORDS,
  },
  {
    definition: { name: 'typed', behavior: 'body-overflow', attributes: TYPED_ATTRIBUTES },
    records: TYPED_RECORDS,
  },
];

const lorem = 'lorem ipsum dolor sit amet ✓ '.repeat(24).trim();
/** `text` attributes: s3db.js 21.6.2's createResource refuses them (its validator has no `text` type). */
const TEXT_ATTRIBUTES: Record<string, string> = {
  txt: 'text|optional',
  t85: 'text|encoding:base85|optional',
  low: 'text|threshold:10|optional',
  off: 'text|compress:false|optional',
  small: 'text|optional',
};
const TEXT_RECORDS: Row[] = [
  { id: 'long', txt: lorem, t85: lorem, low: 'hello hello hello hello hello', off: lorem, small: 'z:short' },
  { id: 'short', txt: 'hi', t85: '', low: 'héllo wörld ✓ héllo wörld ✓' },
];

/**
 * Writes the `text` resource: s3db.js's own Schema (the step its insert and get() run) gives the stored
 * values and its reading of them; s3db.js stores those values in a resource declared `string`, whose
 * catalog entry then says `text` (what a catalog of a `text` resource holds).
 */
async function writeTexts(url: string, port: StoragePort, theirs: Map<string, Row>): Promise<void> {
  const { Schema } = (await s3dbModule()) as {
    Schema: new (
      options: Row,
    ) => {
      map: Record<string, string>;
      mapper(record: Row): Promise<Row>;
      unmapper(mapped: Row): Promise<Row>;
    };
  };
  const schema = new Schema({ name: 'texts', attributes: TEXT_ATTRIBUTES });
  const stored: Row[] = [];
  for (const { id, ...record } of TEXT_RECORDS) {
    const mapped = await schema.mapper(record);
    const row: Row = { id };
    for (const name of Object.keys(record)) row[name] = mapped[schema.map[name]!];
    stored.push(row);
    theirs.set(`texts/${id}`, { id, ...(await schema.unmapper(mapped)) });
  }
  const asStrings = Object.fromEntries(Object.keys(TEXT_ATTRIBUTES).map((name) => [name, 'string|optional']));
  await writeWithS3db(url, [
    { definition: { name: 'texts', behavior: 'body-overflow', attributes: asStrings }, records: stored },
  ]);
  await patchCatalog(port, (resources) => {
    const v1 = (resources.texts as Row).versions as Record<string, Row>;
    v1.v1!.attributes = { ...TEXT_ATTRIBUTES };
  });
}

/** Rewrites `s3db.json` on `port` with `change` applied to its resources. */
export async function patchCatalog(port: StoragePort, change: (resources: Row) => void): Promise<void> {
  const catalog = JSON.parse(await (await port.get('s3db.json')).text()) as { resources: Row };
  change(catalog.resources);
  await port.put('s3db.json', new TextEncoder().encode(JSON.stringify(catalog)), {
    contentType: 'application/json',
  });
}

/** Writes KINDS and the texts to `url` (`port` is the same prefix); what s3db.js's get() returns, by `resource/id`. */
export async function writeKinds(url: string, port: StoragePort): Promise<Map<string, Row>> {
  const theirs = await writeWithS3db(url, KINDS);
  await writeTexts(url, port, theirs);
  return theirs;
}

/** Every resource written, with its record ids. */
export const WRITTEN: { name: string; ids: string[] }[] = [
  ...KINDS.map(({ definition, records }) => ({
    name: String(definition.name),
    ids: records.map((r) => String(r.id)),
  })),
  { name: 'texts', ids: TEXT_RECORDS.map((r) => String(r.id)) },
];

export { PASSPHRASE };

const isBytes = (definition: string) => /^(?:buffer|bits)(?:$|[|:])/.test(definition);
const keyOf = (path: string) =>
  path
    .replace(/[^a-zA-Z0-9\-_]/g, '_')
    .toLowerCase()
    .replaceAll('-', '_');

/**
 * s3db.js's answer for a bytes attribute as the bytes it stands for: a Buffer; an array of byte
 * numbers or `{}` (the bytes 21.6.2's insert stored one per body key); or, when s3db.js gives the
 * attribute no value, its `<path>_<i>` fields (one per metadata key; `-<i>` on Ceph RGW), removed.
 */
export function bytesFromTheirs(theirs: Row, info: S3dbResourceInfo): Row {
  const out = structuredClone(theirs);
  for (const [path, definition] of Object.entries(info.attributes)) {
    if (!isBytes(definition)) continue;
    const parts = path.split('.');
    const parent = parts.slice(0, -1).reduce<Row | undefined>((at, p) => at?.[p] as Row | undefined, out);
    const value = parent?.[parts.at(-1)!];
    let found: Uint8Array | undefined;
    if (value instanceof Uint8Array) found = new Uint8Array(value);
    else if (Array.isArray(value)) found = Uint8Array.from(value.map(Number));
    else if (value !== null && typeof value === 'object') found = new Uint8Array(0);
    else if (value === undefined) {
      const prefix = `${keyOf(path)}_`;
      const perByte = Object.keys(out)
        .filter((k) => keyOf(k).startsWith(prefix) && /^\d+$/.test(keyOf(k).slice(prefix.length)))
        .map((k) => [Number(keyOf(k).slice(prefix.length)), Number(out[k]), k] as const)
        .sort((a, b) => a[0] - b[0]);
      for (const [, , k] of perByte) delete out[k];
      if (perByte.length > 0) found = Uint8Array.from(perByte.map(([, byte]) => byte));
    }
    if (found === undefined) continue;
    let target = out;
    for (const p of parts.slice(0, -1)) {
      target[p] ??= {};
      target = target[p] as Row;
    }
    target[parts.at(-1)!] = found;
  }
  return out;
}

/** A record as bucketkit keeps it after a migration: bytes as base64 text (docs: db/s3db types). */
export function asMigrated(record: Row): Row {
  const walk = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(record) as Row;
}
