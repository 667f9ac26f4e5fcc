import { describe, expect, it } from 'vitest';
import { storageTour } from '../examples/storage.js';

describe('examples', () => {
  it('the storage tour runs end to end and reports what it did', async () => {
    const lines: string[] = [];
    await storageTour('memory://examples-test', (line) => lines.push(line));
    expect(lines).toContain('get hello.txt: "hello, bucketkit" (author=demo)');
    expect(lines).toContain('ranged get bytes 7-15: "bucketkit"');
    expect(lines).toContain('counter after 10 concurrent CAS increments: 10');
    expect(lines).toContain('folders under logs/: logs/2026-11-20/, logs/2026-11-21/, logs/2026-11-22/');
    expect(lines).toContain('typed error: NotFound');
    expect(lines.at(-1)).toMatch(/^requests: \d+, bytes in \d+, out \d+; on AWS S3 Standard/);
  });
});
