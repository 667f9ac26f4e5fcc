import { describe, expect, it } from 'vitest';
import { storageConfigs } from '../../src/datasets/index.js';
import { BucketkitError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/index.js';

const KEY = 'bucketkit/storage-configs.json';
const config = (name: string) => ({
  name,
  bucket: `bucket-${name}`,
  endpoint: 'http://127.0.0.1:9',
  accessKeyId: `AKIA-${name}`,
  secretAccessKey: `very-secret-${name}`,
});
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (BucketkitError.is(e) ? e.code : String(e)),
  );

describe('storageConfigs', () => {
  it('stores credentials sealed (AES-256-GCM, PBKDF2) and gives them back with the passphrase', async () => {
    const home = memoryStorage();
    const configs = storageConfigs(home, { passphrase: 'correct horse', iterations: 100_000 });
    await configs.add(config('one'));
    await configs.add(config('two'));
    expect(await configs.list()).toEqual([
      { name: 'one', bucket: 'bucket-one', endpoint: 'http://127.0.0.1:9' },
      { name: 'two', bucket: 'bucket-two', endpoint: 'http://127.0.0.1:9' },
    ]);
    expect(await configs.get('two')).toEqual(config('two'));
    const stored = await (await home.get(KEY)).text();
    expect(stored).not.toMatch(/very-secret|AKIA/);
    const file = JSON.parse(stored);
    expect(file.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: 100_000 });
    // nonce(12) + JSON + tag(16)
    expect(atob(file.configs[0].sealed).length).toBe(
      12 + JSON.stringify({ accessKeyId: 'AKIA-one', secretAccessKey: 'very-secret-one' }).length + 16,
    );
    expect(await code(configs.add(config('one')))).toBe('PreconditionFailed');
    await configs.add({ ...config('one'), secretAccessKey: 'rotated' }, { replace: true });
    expect((await configs.get('one')).secretAccessKey).toBe('rotated');
    await configs.remove('two');
    expect(await code(configs.get('two'))).toBe('NotFound');
    expect((await configs.connect('one')).name).toBe('s3:bucket-one');
  });

  it('a wrong passphrase, or a sealed secret moved to another name, is AccessDenied', async () => {
    const home = memoryStorage();
    await storageConfigs(home, { passphrase: 'right', iterations: 100_000 }).add(config('a'));
    expect(await code(storageConfigs(home, { passphrase: 'wrong' }).get('a'))).toBe('AccessDenied');
    const file = JSON.parse(await (await home.get(KEY)).text());
    file.configs.push({ ...file.configs[0], name: 'b' });
    await home.put(KEY, JSON.stringify(file));
    const configs = storageConfigs(home, { passphrase: 'right' });
    expect(await code(configs.get('b'))).toBe('AccessDenied');
    expect((await configs.get('a')).accessKeyId).toBe('AKIA-a');
  });

  it('refuses weak settings and bad names', async () => {
    expect(() => storageConfigs(memoryStorage(), { passphrase: 'x', iterations: 1000 })).toThrow(/100000/);
    expect(() => storageConfigs(memoryStorage(), { passphrase: '' })).toThrow(/passphrase/);
    const configs = storageConfigs(memoryStorage(), { passphrase: 'x', iterations: 100_000 });
    expect(await code(configs.add(config('no/slash')))).toBe('InvalidArgument');
    expect(await code(configs.add({ ...config('c'), secretAccessKey: '' }))).toBe('InvalidArgument');
  });
});
