/**
 * Trigram fingerprints in the day index: when a segment holds more distinct values of a trigram field than
 * the index lists, their trigrams let a regex matcher rule the segment out. The regex → trigram analysis
 * must never rule out a segment holding a match (property test), and indexes without trigrams still answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeTrigrams,
  encodeTrigrams,
  MAX_TRIGRAMS,
  regexTrigrams,
  trigramsMayMatch,
} from '../../src/lake/catalog/trigrams.js';
import { evaluateLogQL, openLake, readDayIndex } from '../../src/lake/index.js';
import { indexKey } from '../../src/lake/names.js';
import { fileStorage, type StoragePort } from '../../src/storage/index.js';

describe('regexTrigrams', () => {
  const piece = fc.constantFrom(
    'a',
    'b',
    'c',
    '-',
    '1',
    'ab',
    'abc',
    'bca',
    '.',
    '.*',
    '.+',
    '[ab]',
    'c?',
    'a*',
    'b+',
    '(ab|c)',
    '(a)?',
    '\\-',
    '\\d',
    'a{2}',
    'b{0,2}',
  );
  const regex = fc
    .array(
      fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
      { minLength: 1, maxLength: 3 },
    )
    .map((b) => b.join('|'));
  const value = fc.array(fc.constantFrom('a', 'b', 'c', '-', '1'), { maxLength: 12 }).map((c) => c.join(''));

  it('never rules out a value the regex matches', () => {
    fc.assert(
      fc.property(regex, fc.array(value, { minLength: 1, maxLength: 20 }), (source, values) => {
        const query = regexTrigrams(source);
        const re = new RegExp(`^(?:${source})$`);
        for (const v of values) {
          if (!re.test(v) || query === null) continue;
          expect(trigramsMayMatch(decodeTrigrams(encodeTrigrams([v])!), query)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the literal runs a match must contain', () => {
    expect(regexTrigrams('beta-svc-1.*')).toEqual([['bet', 'eta', 'ta-', 'a-s', '-sv', 'svc', 'vc-', 'c-1']]);
    expect(regexTrigrams('api|web-.+')).toEqual([['api'], ['web', 'eb-']]);
    expect(regexTrigrams('ab.*')).toBeNull();
    expect(regexTrigrams('abcd?')).toEqual([['abc']]);
  });

  it('stores at most MAX_TRIGRAMS trigrams, three code points each', () => {
    expect(encodeTrigrams(['héllo wörld'])).toBe(
      ['hél', 'éll', 'llo', 'lo ', 'o w', ' wö', 'wör', 'örl', 'rld'].sort().join(''),
    );
    expect([...decodeTrigrams(encodeTrigrams(['a😀bc'])!)].sort()).toEqual(['a😀b', '😀bc']);
    const many = Array.from({ length: 5000 }, (_, i) => `v${i.toString(36)}x`);
    expect(encodeTrigrams(many)).toBeNull();
  });
});

describe('trigram pruning in queries', () => {
  const T = Date.UTC(2026, 4, 1, 8);
  let dir: string;
  let port: StoragePort;
  const file = (prefix: string, start: number) =>
    gzipSync(
      Array.from({ length: 600 }, (_, i) =>
        JSON.stringify({
          timestamp: new Date(start + i * 1000).toISOString(),
          level: 'INFO',
          message: `m ${i}`,
          resource_service_name: `${prefix}-svc-${i % 300}`,
        }),
      ).join('\n'),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-tri-'));
    port = fileStorage(join(dir, 'bucket'));
    await port.put('logs-raw/alpha.json.gz', file('alpha', T));
    await port.put('logs-raw/beta.json.gz', file('beta', T + 300_000));
    const lake = openLake(port, { orgs: { 'logs-raw/': 'acme' } });
    await lake.ingest('logs-raw/alpha.json.gz');
    await lake.ingest('logs-raw/beta.json.gz');
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const query = 'sum(count_over_time({service=~"beta-svc-1[0-9]"}[1h]))';
  const run = () =>
    evaluateLogQL(openLake(port, { orgs: {} }), {
      org: 'acme',
      query,
      start: T + 3_600_000,
      end: T + 3_600_000,
    });
  // beta-svc-10 … beta-svc-19, each on 2 of beta's 600 lines
  const expected = 20;

  it('keeps trigrams when a field has too many values to list, and prunes by them', async () => {
    const { index } = await readDayIndex(port, 'acme', 20260501);
    expect(index.segments).toHaveLength(2);
    for (const s of index.segments) {
      expect(s.exact.resource_service_name).toBeNull();
      const stored = s.trigrams?.resource_service_name ?? '';
      expect(stored.length).toBeGreaterThan(0);
      expect(Array.from(stored).length).toBeLessThanOrEqual(MAX_TRIGRAMS * 3);
    }
    const result = await run();
    expect(result.type === 'vector' && result.series[0]?.samples[0]?.[1]).toBe(expected);
    expect(result.stats).toMatchObject({ segmentsConsidered: 2, segmentsPruned: 1, segmentsRead: 1 });
  });

  it('answers the same from an index written without trigrams, reading both segments', async () => {
    const key = indexKey('acme', 20260501);
    const stored = JSON.parse(await (await port.get(key)).text());
    for (const s of stored.segments) delete s.trigrams;
    await port.put(key, JSON.stringify(stored));
    const result = await run();
    expect(result.type === 'vector' && result.series[0]?.samples[0]?.[1]).toBe(expected);
    expect(result.stats).toMatchObject({ segmentsConsidered: 2, segmentsPruned: 0, segmentsRead: 2 });
  });
});
