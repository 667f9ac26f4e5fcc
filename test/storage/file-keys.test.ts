import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage, prefixed, type StoragePort } from '../../src/index.js';

const dirs: string[] = [];
async function port(): Promise<StoragePort> {
  const dir = await mkdtemp(join(tmpdir(), 'bk-file-keys-'));
  dirs.push(dir);
  return fileStorage(dir);
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function keys(store: StoragePort): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list()) if (entry.type === 'object') out.push(entry.key);
  return out.sort();
}

const long = 'A'.repeat(200);

describe('file adapter: two keys never share a file (issue 14, finding 1)', () => {
  it.each([
    [`${long}../x`, 'x'],
    [`${long}./x`, `${long}x`],
    [`${long}../${long}../b`, 'b'],
    [`a/${long}../b`, 'a/b'],
  ])('a put of %s leaves %s alone, and both are listed', async (attack, victim) => {
    const store = await port();
    await store.put(victim, 'victim');
    await store.put(attack, 'attacker');
    expect(await (await store.get(victim)).text()).toBe('victim');
    expect(await (await store.get(attack)).text()).toBe('attacker');
    expect(await keys(store)).toEqual([attack, victim].sort());
    await store.delete(attack);
    expect(await (await store.get(victim)).text()).toBe('victim');
  });

  it('a tenant under prefixed() cannot read or overwrite a key outside its prefix', async () => {
    const store = await port();
    await store.put('secret', 'other tenant');
    // 'tenant-acme-' + 187 bytes = 199 bytes, then '..': the rest of the segment is '.' after 200 bytes
    const tenant = prefixed(store, 'tenant-acme-');
    const climb = `${'A'.repeat(188)}../secret`;
    const read = await tenant.get(climb).catch((e: unknown) => e);
    expect(BucketkitError.is(read, 'NotFound')).toBe(true);
    await tenant.put(climb, 'tenant write');
    expect(await (await store.get('secret')).text()).toBe('other tenant');
    expect(await keys(store)).toEqual([`tenant-acme-${climb}`, 'secret'].sort());
  });
});
