import { describe, expect, it } from 'vitest';
import { listedObjectOf, objectInfoOf } from '../../src/storage/index.js';

describe('objectInfoOf / listedObjectOf (for port authors)', () => {
  const stored = {
    key: 'a/b.txt',
    size: 3,
    etag: 'e1',
    lastModified: Date.UTC(2026, 10, 22, 12),
    metadata: { owner: 'ana' },
  };

  it('gives the caller a Date and its own metadata, with no contentType key when there is none', () => {
    const info = objectInfoOf(stored);
    expect(info).toEqual({ ...stored, lastModified: new Date(stored.lastModified) });
    expect('contentType' in info).toBe(false);
    info.metadata.owner = 'bo';
    expect(stored.metadata.owner).toBe('ana');
    expect(objectInfoOf({ ...stored, contentType: 'text/plain' }).contentType).toBe('text/plain');
  });

  it('lists under the stored key, or under the key the listing names', () => {
    expect(listedObjectOf(stored)).toEqual({
      type: 'object',
      key: 'a/b.txt',
      size: 3,
      etag: 'e1',
      lastModified: new Date(stored.lastModified),
    });
    expect(listedObjectOf(stored, 'b.txt').key).toBe('b.txt');
  });
});
