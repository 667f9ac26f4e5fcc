/**
 * The deterministic log fingerprint: messages of one pattern share an id whatever their variable parts,
 * different wording gives different ids, and the id is a pure function of the message (same in another
 * process, same after a restart).
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogFingerprinter, type LogFingerprinter, logFingerprintTokens } from '../../src/lake/index.js';

const run = promisify(execFile);
let fingerprint: LogFingerprinter;
beforeAll(async () => {
  fingerprint = await createLogFingerprinter();
});

/** Pairs of messages of one pattern with different variable parts. */
const SAME_PATTERN: [string, string][] = [
  ['user 42 logged in from 10.0.0.1', 'user 917 logged in from 192.168.77.201'],
  [
    'request 550e8400-e29b-41d4-a716-446655440000 failed',
    'request 9b2f1c7e-0d3a-4c55-8e1f-2a6b7c8d9e0f failed',
  ],
  [
    'ERROR connection to 10.0.0.7:5432 refused after 30ms',
    'error connection to 10.9.8.7:6543 refused after 1.5s',
  ],
  ['GET /api/users/17 took 12ms', 'GET /api/orders/abc/items took 340ms'],
  ['2026-01-02T10:00:00.123Z INFO started in 2s', '2025-12-31T23:59:59Z INFO started in 15s'],
  ['backup finished on 2026-01-02 at 10:00:01', 'backup finished on 2026-11-30 at 23:00:45'],
  ['fetch https://a.example.com/x?id=1 ok', 'fetch http://b.example.org/y/z?page=2&limit=9 ok'],
  ['mail sent to ann@example.com', 'mail sent to bob.smith@mail.example.org'],
  ['job a1b2c3d4e5 picked from queue', 'job 1610715892 picked from queue'],
  ['cache miss key="user:42"', "cache miss key='order 17'"],
  ['WARN disk 85% full on /dev/sda1', 'WARN disk 3% full on /dev/nvme0n1p2'],
  ['pool size=12 waiting=3 worker-7f9c9d', 'pool size=64 waiting=0 worker-0a1b2c3d'],
  ['\u001b[31mERROR\u001b[0m lost leader', 'ERROR lost leader'],
  ['crash in handler\n  at foo (a.js:1)\n  at bar (b.js:2)', 'crash in handler\n  at baz (c.js:9)'],
  ['{"level":"info","msg":"listening","port":8080}', '{"port":9090,"msg":"listening","level":"info"}'],
  ['app {"level":"warn","msg":"slow query 120ms"}', 'app {"level":"warn","msg":"slow query 9ms"}'],
  ['ruby {:level=>"info", :msg=>"done"}', 'ruby {:level=>"info", :msg=>"done"}'],
  ['batch [1, 2, 3] done', 'batch [7, 8] done'],
  // fast-check seed 630854259: an exponent's '+' split the number into two tokens
  ['took 1.7976931348623131e+308 units', 'took 2.5 units'],
];

/** Pairs of messages that differ in wording, structure or JSON keys. */
const DIFFERENT_PATTERN: [string, string][] = [
  ['connection refused', 'connection reset'],
  ['user logged in', 'user logged out'],
  ['ERROR disk full', 'ERROR memory full'],
  ['{"level":"info","msg":"a b"}', '{"level":"info","msg":"a b","extra":1}'],
  ['{"msg":"started","port":1}', '{"msg":"stopped","port":1}'],
  ['took 12ms', 'took 12'],
  ['disk full', 'disk full again'],
  ['from 10.0.0.1', 'from ab::1'],
];

describe('log fingerprint', () => {
  it.each(SAME_PATTERN)('gives one id to %j and %j', (a, b) => {
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it.each(DIFFERENT_PATTERN)('gives different ids to %j and %j', (a, b) => {
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });

  it('is xxhash64 (seed 0) of the tokens joined by ":" as a signed int64', () => {
    // XXH64("") with seed 0 is 0xEF46DB3751D8E999 (the reference test vector); no tokens hash "".
    expect(logFingerprintTokens('   ')).toEqual([]);
    expect(fingerprint('   ')).toBe(BigInt.asIntN(64, 0xef46db3751d8e999n));
    expect(fingerprint('   ')).toBeLessThan(0n);
  });

  it('names variable parts with LakeRunner placeholders and keeps dictionary words lowercased', () => {
    expect(logFingerprintTokens('ERROR Connection to 10.0.0.7:5432 refused after 30ms')).toEqual([
      '<Loglevel>',
      'connection',
      'to',
      '<IPv4>',
      'refused',
      'after',
      '<Duration>',
    ]);
    expect(
      logFingerprintTokens(
        '2026-01-02T10:00:00Z GET https://x.io/a user=ann@x.org id=550e8400-e29b-41d4-a716-446655440000 ok=true',
      ),
    ).toEqual(['<ISO8601>', '<HTTPMethod>', '<Url>', 'user', '<Email>', 'id', '<UUID>', 'ok', '<Bool>']);
    expect(logFingerprintTokens('java.lang.NullPointerException at api.example.com /var/log/x.log')).toEqual([
      '<ModuleName>',
      'at',
      '<FQDN>',
      '<Path>',
    ]);
  });

  it('turns only the first level word into <Loglevel>; later ones are words', () => {
    expect(logFingerprintTokens('[INFO] retry after error')).toEqual([
      '<Loglevel>',
      'retry',
      'after',
      'error',
    ]);
  });

  it('splits camelCase and snake_case, keeping the word only when every part is English', () => {
    expect(logFingerprintTokens('handleRequest user_name zqxvbnm')).toEqual([
      'handlerequest',
      'user_name',
      '<Identifier>',
    ]);
  });

  it('collapses runs of identifiers into one and drops short non-words', () => {
    expect(logFingerprintTokens('token zqxwv9 kjhgf77 plmokn3 ok xy')).toEqual([
      'token',
      '<Identifier>',
      'ok',
    ]);
  });

  it('keeps at most 15 tokens', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i} is`).join(' ');
    expect(logFingerprintTokens(long)).toHaveLength(15);
    const a = `${'alpha beta gamma delta '.repeat(4)} then one`;
    const b = `${'alpha beta gamma delta '.repeat(4)} then two`;
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('fingerprints a JSON body by level, message and sorted deep key paths', () => {
    expect(
      logFingerprintTokens('orders {"ctx":{"pod":"p-1","try":2},"level":"ERROR","msg":"lost 3 rows"}'),
    ).toEqual(['orders', '<Loglevel>', 'lost', '<Number>', 'rows', 'ctx.pod', 'ctx.try', 'level', 'msg']);
  });
});

describe('log fingerprint across processes', () => {
  it('gives the same ids in a second process', async () => {
    const messages = [...SAME_PATTERN.flat(), ...DIFFERENT_PATTERN.flat()];
    const module = join(import.meta.dirname, '..', '..', 'src', 'lake', 'index.ts');
    const script = join(tmpdir(), `bk-fingerprint-${process.pid}-${Date.now()}.mts`);
    await writeFile(
      script,
      `import { createLogFingerprinter } from ${JSON.stringify(module)};
const fingerprint = await createLogFingerprinter();
const messages = JSON.parse(process.argv[2]);
process.stdout.write(JSON.stringify(messages.map((m) => String(fingerprint(m)))));`,
    );
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(messages)], {
        timeout: 60_000,
      });
      expect(JSON.parse(stdout)).toEqual(messages.map((message) => String(fingerprint(message))));
    } finally {
      await rm(script, { force: true });
    }
  }, 90_000);
});
