// Helpers for the pages the browser tests bundle (and for Node tests that check the same things).
import { BucketkitError } from '../../src/storage/browser.js';

/** Hex SHA-256 through Web Crypto (the same in a page and in Node). */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a call ended with: `resolved`, a BucketkitError's code, or `untyped: …`. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return BucketkitError.is(err) ? err.code : `untyped: ${String(err)}`;
  }
}

/** Runs a page's work and posts its JSON (or its error) to the test's server. */
export function report(work: () => Promise<unknown>): void {
  work()
    .then((result) => fetch('/result', { method: 'POST', body: JSON.stringify(result) }))
    .catch((err: unknown) =>
      fetch('/result', {
        method: 'POST',
        body: JSON.stringify({ error: String((err as Error)?.stack ?? err) }),
      }),
    );
}
