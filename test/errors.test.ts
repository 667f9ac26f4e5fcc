import { describe, expect, it } from 'vitest';
import { BucketkitError, bkError, ERROR_CODES } from '../src/index.js';

describe('BucketkitError', () => {
  it('carries a stable code, details and cause, and prefixes the message with the code', () => {
    const cause = new Error('disk full');
    const err = bkError('Backend', 'write failed', { cause, details: { key: 'k' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('BucketkitError');
    expect(err.code).toBe('Backend');
    expect(err.message).toBe('Backend: write failed');
    expect(err.cause).toBe(cause);
    expect(err.details.key).toBe('k');
    expect(ERROR_CODES).toContain(err.code);
  });

  it('is() recognises errors from another copy of the package and filters by code', () => {
    const foreign = new Error('NotFound: x');
    Object.defineProperty(foreign, Symbol.for('bucketkit.error'), { value: true });
    Object.assign(foreign, { code: 'NotFound' });
    expect(BucketkitError.is(foreign)).toBe(true);
    expect(BucketkitError.is(foreign, 'NotFound')).toBe(true);
    expect(BucketkitError.is(foreign, 'Corrupt')).toBe(false);
    expect(BucketkitError.is(new Error('plain'))).toBe(false);
    expect(BucketkitError.is(null)).toBe(false);
    expect(BucketkitError.is('NotFound')).toBe(false);
  });
});
