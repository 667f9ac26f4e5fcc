import { describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { compileSchema, type InferInput, type InferRecord, secret } from '../../../src/db/schema/index.js';
import { BucketkitError } from '../../../src/errors.js';

function validationError(run: () => unknown): BucketkitError {
  try {
    run();
  } catch (err) {
    expect(BucketkitError.is(err, 'InvalidArgument'), String(err)).toBe(true);
    return err as BucketkitError;
  }
  throw new Error('expected InvalidArgument');
}

describe('shorthand strings', () => {
  const schema = compileSchema({
    email: 'string|required|email',
    age: 'number|min:0|max:150',
    count: 'number|integer',
    active: 'boolean|default:true',
    token: 'secret',
    vector: 'embedding:3',
    tags: 'array|items:string|min:1|unique',
    born: 'date',
    seen: 'datetime',
    id: 'uuid',
    extra: 'json',
    blob: 'any',
    settings: 'object',
    profile: { bio: 'string|max:10', contact: { email: 'email|required' } },
  });

  test('fields are leaves in attribute order, with their types', () => {
    expect(schema.fields.map((f) => [f.path, f.type, f.required])).toEqual([
      ['email', 'email', true],
      ['age', 'number', false],
      ['count', 'integer', false],
      ['active', 'boolean', false],
      ['token', 'secret', false],
      ['vector', 'embedding', false],
      ['tags', 'array', false],
      ['born', 'date', false],
      ['seen', 'datetime', false],
      ['id', 'uuid', false],
      ['extra', 'json', false],
      ['blob', 'any', false],
      ['settings', 'object', false],
      ['profile.bio', 'string', false],
      ['profile.contact.email', 'email', true],
    ]);
    expect(schema.fields.find((f) => f.path === 'vector')).toMatchObject({ dimensions: 3, items: 'number' });
    expect(schema.fields.find((f) => f.path === 'tags')).toMatchObject({ items: 'string' });
    expect(schema.secretPaths).toEqual(['token']);
  });

  test('validate applies defaults, normalizes dates and strips unknown fields', () => {
    const out = schema.validate({
      email: 'ada@example.com',
      seen: '2024-05-01T14:00:00+02:00',
      born: new Date('1815-12-10T00:00:00Z'),
      unknown: 1,
      profile: { contact: { email: 'a@b.co' } },
    });
    expect(out).toEqual({
      email: 'ada@example.com',
      active: true,
      seen: '2024-05-01T12:00:00.000Z',
      born: '1815-12-10',
      profile: { contact: { email: 'a@b.co' } },
    });
  });

  test('optional shorthand fields accept null; required ones do not', () => {
    expect(
      schema.validate({ email: 'a@b.co', age: null, profile: { contact: { email: 'a@b.co' } } }).age,
    ).toBeNull();
    const err = validationError(() =>
      schema.validate({ email: null, profile: { contact: { email: 'a@b.co' } } }),
    );
    expect(err.message).toMatch(/^InvalidArgument: email: /);
  });

  test('errors name the dot path and list every problem', () => {
    const err = validationError(() =>
      schema.validate({
        email: 'ada@example.com',
        age: -1,
        vector: [1, 2],
        tags: ['a', 'a'],
        profile: { bio: 'x'.repeat(11), contact: { email: 'not an email' } },
      }),
    );
    const paths = (err.details.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['age', 'profile.bio', 'profile.contact.email', 'tags', 'vector']);
    expect(err.message).toMatch(/^InvalidArgument: (age|vector|tags|profile\.\w+(\.email)?): .*and 4 more/);
    const nested = validationError(() =>
      schema.validate({ email: 'a@b.co', profile: { contact: { email: 'nope' } } }),
    );
    expect(nested.message).toMatch(/^InvalidArgument: profile\.contact\.email: Invalid email/);
  });

  test('a nested object with a required field is itself required', () => {
    const err = validationError(() => schema.validate({ email: 'a@b.co' }));
    expect(err.message).toMatch(/profile/);
  });

  test('type rules refine strings; required defaults are not nullable', () => {
    const refined = compileSchema({
      a: 'string|secret',
      b: 'string|uuid',
      on: 'boolean|required|default:false',
      n: 'number|integer|positive',
    });
    expect(refined.fields.map((f) => f.type)).toEqual(['secret', 'uuid', 'boolean', 'integer']);
    expect(refined.secretPaths).toEqual(['a']);
    expect(refined.validate({}).on).toBe(false);
    expect(validationError(() => refined.validate({ on: null })).message).toMatch(/^InvalidArgument: on: /);
    expect(validationError(() => refined.validate({ n: 1.5 })).message).toMatch(/^InvalidArgument: n: /);
    expect(validationError(() => refined.validate({ b: 'nope' })).message).toMatch(/^InvalidArgument: b: /);
    expect(validationError(() => compileSchema({ x: 'number|email' })).message).toMatch(/refines strings/);
  });

  test('bad definitions are InvalidArgument naming the field', () => {
    expect(validationError(() => compileSchema({ a: 'strnig' })).message).toMatch(/a: unknown type "strnig"/);
    expect(validationError(() => compileSchema({ a: 'string|requird' })).message).toMatch(
      /unknown rule "requird"/,
    );
    expect(validationError(() => compileSchema({ a: { b: 'number|min:x' } })).message).toMatch(
      /a\.b: "min:x"/,
    );
    expect(validationError(() => compileSchema({ 'a.b': 'string' })).message).toMatch(/no "\."/);
    expect(validationError(() => compileSchema({ a: 'boolean|default:maybe' })).message).toMatch(/boolean/);
    expect(validationError(() => compileSchema({ a: 'embedding:-1' })).message).toMatch(/embedding/);
    expect(validationError(() => compileSchema({ a: 'string|items:number' })).message).toMatch(/arrays/);
  });
});

describe('zod schemas', () => {
  const schema = compileSchema({
    name: z.string().min(1),
    nick: z.string().optional(),
    level: z.number().int().default(1),
    key: secret(z.string().min(4)).optional(),
    when: z.iso.datetime(),
    tags: z.array(z.string()),
    meta: z.object({ a: z.number() }),
  });

  test('their types, optionality and secret marks are read through wrappers', () => {
    expect(schema.fields.map((f) => [f.path, f.type, f.required, f.secret])).toEqual([
      ['name', 'string', true, false],
      ['nick', 'string', false, false],
      ['level', 'integer', false, false],
      ['key', 'secret', false, true],
      ['when', 'datetime', true, false],
      ['tags', 'array', true, false],
      ['meta', 'object', true, false],
    ]);
    expect(schema.secretPaths).toEqual(['key']);
  });

  test('they validate with their own rules', () => {
    const ok = { name: 'a', when: '2024-01-01T00:00:00Z', tags: [], meta: { a: 1 } };
    expect(schema.validate(ok)).toEqual({ ...ok, level: 1 });
    const err = validationError(() => schema.validate({ ...ok, meta: { a: 'x' } }));
    expect(err.message).toMatch(/^InvalidArgument: meta\.a: /);
  });
});

describe('InferRecord', () => {
  test('infers record types from shorthand, zod and nesting', () => {
    const attributes = {
      name: 'string|required',
      age: 'number|min:0',
      active: 'boolean|default:true',
      tags: 'array|items:string',
      vector: 'embedding:3',
      level: z.number().default(1),
      profile: { bio: 'string', email: 'email|required' },
      misc: { note: 'string' },
    } as const;
    type R = InferRecord<typeof attributes>;
    expectTypeOf<R>().toEqualTypeOf<{
      name: string;
      age?: number | null;
      active: boolean | null;
      tags?: string[] | null;
      vector?: number[] | null;
      level: number;
      profile: { bio?: string | null; email: string };
      misc?: { note?: string | null };
    }>();
    type I = InferInput<typeof attributes>;
    expectTypeOf<I['active']>().toEqualTypeOf<boolean | null | undefined>();
    expectTypeOf<I['level']>().toEqualTypeOf<number | undefined>();
    const value: R = compileSchema(attributes).validate({ name: 'x', profile: { email: 'a@b.co' } }) as R;
    expect(value.active).toBe(true);
  });
});
