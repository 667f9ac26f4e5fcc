import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parseCatalog, repairJson } from '../../src/db/catalog-heal.js';
import { BucketkitError } from '../../src/errors.js';

const sample = JSON.stringify(
  {
    format: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
    resources: {
      users: {
        current: 'aaaaaaaaaaaa',
        versions: {
          aaaaaaaaaaaa: {
            attributes: { name: 'string|required', 'a"b': { c: 'number' } },
            behavior: 'body-overflow',
            partitions: { byName: ['name'] },
            timestamps: false,
            paranoid: false,
            map: { name: '0', 'a"b.c': '1' },
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        },
        registry: { name: '0', 'a"b.c': '1' },
        nextIndex: 2,
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    },
  },
  null,
  1,
);

function parsesOrCorrupt(text: string) {
  try {
    parseCatalog(text);
  } catch (err) {
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
  }
}

test('any bytes: the catalog parser heals or throws Corrupt, nothing else', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), parsesOrCorrupt), { numRuns: 2000 });
  fc.assert(
    fc.property(fc.json(), (json) => parsesOrCorrupt(json)),
    { numRuns: 1000 },
  );
});

test('every truncation of a valid catalog heals or is Corrupt; a healed one keeps complete resources intact', () => {
  for (let cut = 0; cut < sample.length; cut++) {
    const text = sample.slice(0, cut);
    try {
      const { catalog, healed } = parseCatalog(text);
      if (cut > 0) expect(healed).toContain('truncated');
      const users = catalog.resources.users;
      if (users) expect(users.versions.aaaaaaaaaaaa!.attributes).toBeDefined();
    } catch (err) {
      expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    }
  }
});

test('trailing commas anywhere are removed without changing the value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value, null, 1);
      const damaged = text.replace(/\n(\s*)([}\]])/g, ',\n$1$2');
      const repaired = repairJson(damaged);
      expect(JSON.parse(repaired.text)).toEqual(JSON.parse(text));
    }),
    { numRuns: 500 },
  );
});
