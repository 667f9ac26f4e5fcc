import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  datarangeKeys,
  datarangePrefix,
  formatDatapointName,
  MAX_DATAPOINT_KEY,
  parseDatapointName,
  parseDatarangeKey,
} from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';

const keyArb = fc.bigInt({ min: 0n, max: MAX_DATAPOINT_KEY });
const extArb = fc.string({ maxLength: 20 }).filter((s) => !s.includes('/') && !s.includes('\0'));

function invalid(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(BucketkitError.is(err, 'InvalidArgument'), String(err)).toBe(true);
    return;
  }
  throw new Error('expected InvalidArgument');
}

describe('datapoint names', () => {
  it('format and parse round-trip, splitting at the first dot', () => {
    fc.assert(
      fc.property(keyArb, extArb, (key, ext) => {
        const name = formatDatapointName(key, ext);
        expect(name).toMatch(/^\d{20}\./);
        expect(parseDatapointName(name)).toEqual({ key, ext });
      }),
    );
    expect(parseDatapointName('00000000000000000042.json.zst')).toEqual({ key: 42n, ext: 'json.zst' });
    expect(parseDatapointName('00000000000000000007.tar.gz').ext).toBe('tar.gz');
    expect(formatDatapointName(42, 'json')).toBe('00000000000000000042.json');
  });

  it('rejects anything else with InvalidArgument', () => {
    for (const name of [
      '0000000000000000042.json', // 19 digits
      '000000000000000000042.json', // 21 digits
      '00000000000000000042', // no dot
      '00000000000000000042json',
      'x0000000000000000042.json',
      'dir/00000000000000000042.json',
      '00000000000000000042.a/b',
      '99999999999999999999.json', // past uint64
      '',
    ]) {
      invalid(() => parseDatapointName(name));
    }
    invalid(() => formatDatapointName(-1, 'json'));
    invalid(() => formatDatapointName(2 ** 60, 'json'));
    invalid(() => formatDatapointName(MAX_DATAPOINT_KEY + 1n, 'json'));
    invalid(() => formatDatapointName(1n, 'a/b'));
  });
});

describe('datarange keys', () => {
  it("match datas3t's layout", () => {
    expect(datarangeKeys('ds', 1n, 1000n, 1)).toEqual({
      data: 'datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.tar',
      index: 'datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.index',
    });
    expect(datarangePrefix('my_set-2')).toBe('datas3t/my_set-2/dataranges/');
  });

  it('parse back what they format, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/),
        keyArb,
        keyArb,
        fc.integer({ min: 0, max: 999_999_999_999 }),
        (dataset, a, b, counter) => {
          const [first, last] = a <= b ? [a, b] : [b, a];
          const keys = datarangeKeys(dataset, first, last, counter);
          expect(parseDatarangeKey(keys.data)).toEqual({ dataset, first, last, counter, kind: 'data' });
          expect(parseDatarangeKey(keys.index)).toEqual({ dataset, first, last, counter, kind: 'index' });
        },
      ),
    );
    for (const key of [
      'datas3t/ds/dataranges/00000000000000000001-00000000000000001000.tar', // datas3t2, no counter
      'datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.index.zst',
      'datas3t/ds/dataranges/00000000000000000002-00000000000000000001-000000000001.tar', // first > last
      'datas3t/d s/dataranges/00000000000000000001-00000000000000001000-000000000001.tar',
      'datas3t/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.tar.bak',
      'other/ds/dataranges/00000000000000000001-00000000000000001000-000000000001.tar',
    ]) {
      expect(parseDatarangeKey(key)).toBeUndefined();
    }
  });

  it('reject bad datasets, reversed ranges and counters that do not fit 12 digits', () => {
    invalid(() => datarangeKeys('a/b', 1n, 2n, 1));
    invalid(() => datarangeKeys('', 1n, 2n, 1));
    invalid(() => datarangeKeys('ds', 3n, 2n, 1));
    invalid(() => datarangeKeys('ds', 1n, 2n, 10 ** 12));
    invalid(() => datarangeKeys('ds', 1n, 2n, -1));
    invalid(() => datarangeKeys('ds', 1n, 2n, 1.5));
  });
});
