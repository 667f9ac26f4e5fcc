import { afterEach, describe, expect, it } from 'vitest';
import { erasure } from '../src/erasure/index.js';
import { type LogEvent, memoryStorage, s3Storage, setLogger } from '../src/index.js';
import { faulty } from './support/faulty.js';
import { startS3rver } from './support/servers.js';

afterEach(() => setLogger(undefined));

describe('the logger hook', () => {
  it('receives what a user should know: a port dropped from a write, a server ignoring conditions', async () => {
    const events: LogEvent[] = [];
    setLogger((event) => events.push(event));
    const ports = Array.from({ length: 3 }, () => faulty(memoryStorage()));
    ports[1]!.fault = 'throw';
    await erasure(ports, { parity: 1 }).put('k', 'v');
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        scope: 'erasure',
        fields: expect.objectContaining({ key: 'k' }),
      }),
    );
    const server = await startS3rver();
    try {
      const port = s3Storage({
        bucket: server.bucket,
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      });
      await port.capabilities();
      expect(events).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          scope: 'storage.s3',
          fields: expect.objectContaining({ honoured: false }),
        }),
      );
    } finally {
      await server.stop();
    }
  });

  it('a logger that throws does not break the operation', async () => {
    setLogger(() => {
      throw new Error('broken logger');
    });
    const ports = Array.from({ length: 3 }, () => faulty(memoryStorage()));
    ports[0]!.fault = 'throw';
    const port = erasure(ports, { parity: 1 });
    await port.put('k', 'v');
    expect(await (await port.get('k')).text()).toBe('v');
  });
});
