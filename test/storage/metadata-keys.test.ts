/**
 * Metadata keys as S3 takes them: lowercase (S3 lowercases keys, so uppercase is refused), and a
 * leading underscore accepted, as s3db.js writes (`_v`, `_map`): its buckets copy onto any port.
 */
import { expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/index.js';

it('accepts s3db.js keys with a leading underscore and refuses uppercase or empty ones', async () => {
  const port = memoryStorage();
  await port.put('k', 'x', { metadata: { _v: 'v1', _map: '{}', '0': 'a' } });
  expect((await port.head('k')).metadata).toEqual({ _v: 'v1', _map: '{}', '0': 'a' });
  for (const bad of ['V', 'a b', '', '-a', '.a']) {
    await expect(port.put('k', 'x', { metadata: { [bad]: '1' } }), bad).rejects.toMatchObject({
      code: 'InvalidMetadata',
    });
  }
});
