/** A varied schema and arbitrary valid records for it, shared by the round-trip property tests. */
import fc from 'fast-check';
import { createSecretCipher } from '../../../src/db/crypto/index.js';
import { extendAttributeMap } from '../../../src/db/encoding/index.js';
import { compileSchema } from '../../../src/db/schema/index.js';
import { json, number, text } from './arbitraries.js';

export const schema = compileSchema({
  name: 'string|required',
  bio: 'string',
  age: 'number',
  count: 'integer',
  active: 'boolean',
  born: 'date',
  seen: 'datetime',
  ref: 'uuid',
  tags: 'array|items:string',
  scores: 'array|items:number',
  vector: 'embedding:8',
  data: 'json',
  loose: 'any',
  profile: { nick: 'string', address: { city: 'string', zip: 'string' }, links: 'array|items:string' },
  token: 'secret',
});

export const { map } = extendAttributeMap(
  {},
  0,
  schema.fields.map((field) => field.path),
);

export const cipher = await createSecretCipher({
  passphrase: 'property tests',
  salt: new Uint8Array(16).fill(7),
  iterations: 100_000,
});

const orNull = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
const time = fc.date({
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2200-01-01T00:00:00Z'),
  noInvalidDate: true,
});
/** Text that sometimes blows the metadata budget on its own, in 1-4 byte characters. */
const long = fc.oneof(
  text,
  fc.string({ unit: 'grapheme', minLength: 200, maxLength: 900 }),
  fc
    .constantFrom('é', '日本', '😀', 'a')
    .chain((c) => fc.integer({ min: 100, max: 1200 }).map((n) => c.repeat(n))),
);

/** Records as a caller passes them; run them through `schema.validate` before encoding. */
export const anyRecord = fc.record(
  {
    name: text,
    bio: orNull(long),
    age: orNull(number),
    count: orNull(fc.maxSafeInteger()),
    active: orNull(fc.boolean()),
    born: orNull(time.map((d) => d.toISOString().slice(0, 10))),
    seen: orNull(time.map((d) => d.toISOString())),
    ref: orNull(fc.uuid()),
    tags: orNull(fc.array(text, { maxLength: 6 })),
    scores: orNull(fc.array(number, { maxLength: 6 })),
    vector: orNull(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 8, maxLength: 8 }),
    ),
    data: json,
    loose: json,
    profile: fc.record(
      {
        nick: orNull(text),
        address: fc.record({ city: orNull(text), zip: orNull(text) }, { requiredKeys: [] }),
        links: orNull(fc.array(text, { maxLength: 3 })),
      },
      { requiredKeys: [] },
    ),
    token: orNull(text),
  },
  { requiredKeys: ['name'] },
);
