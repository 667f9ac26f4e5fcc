/**
 * A record read back without its metadata (a browser behind CORS that hides x-amz-meta-* headers, a
 * proxy that strips them) is a typed error that says why, never an empty record.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/index.js';
import { BucketkitError, memoryStorage, type StoragePort } from '../../src/index.js';

/** The port as a page behind a stingy CORS policy sees it: no user metadata on reads. */
function hidingMetadata(port: StoragePort): StoragePort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (prop === 'get' || prop === 'head') {
        return async (...args: Parameters<StoragePort['get']>) => {
          const got = await (target[prop] as StoragePort['get']).apply(target, args);
          if (!String(args[0]).includes('/data/')) return got;
          return Object.assign(Object.create(Object.getPrototypeOf(got)), got, { metadata: {} });
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('records read without their metadata', () => {
  it('are a Corrupt error naming the CORS cause, for get and list alike', async () => {
    const port = memoryStorage();
    const db = await new Database({ storage: port }).connect();
    const notes = await db.createResource({ name: 'notes', attributes: { title: 'string' } });
    await notes.insert({ id: 'a', title: 'kept' });
    const blind = await new Database({ storage: hidingMetadata(port) }).connect();
    const err = await blind
      .resource('notes')
      .get('a')
      .catch((e: unknown) => e);
    expect(BucketkitError.is(err, 'Corrupt')).toBe(true);
    expect(String((err as Error).message)).toMatch(/x-amz-meta.*Expose-Headers/);
    const listed = await (async () => {
      for await (const _ of blind.resource('notes').list()) {
      }
    })().catch((e: unknown) => e);
    expect(BucketkitError.is(listed, 'Corrupt')).toBe(true);
    expect(await notes.get('a')).toMatchObject({ id: 'a', title: 'kept' });
  });
});
