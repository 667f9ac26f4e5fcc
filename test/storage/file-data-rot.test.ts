import { createHash } from 'node:crypto';
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BucketkitError, fileStorage } from '../../src/index.js';
import { bucketPort, startGateway } from '../gateway/support.js';
import { dataFileOf, flip, payload, sandboxes } from './file-rot-support.js';

/**
 * Bit rot in the file port's data files (objects over 16 KiB keep their bytes in a data file next to
 * the record): a read checks the bytes against the checksums the write recorded and is `Corrupt` naming
 * the key, before a streaming reader sees a clean end; every read checks the data file's length.
 * Ranged reads block by block: file-range-rot.test.ts.
 * Record-file damage is in file-rot.test.ts; here also every byte of a record file flipped in turn
 * never reads the version before an acknowledged one.
 */
const sandbox = sandboxes('bk-file-data-rot-');

/** What a settled read gave: the bytes, or the error's code (or the raw error when untyped). */
async function outcome(read: () => Promise<Uint8Array>): Promise<Uint8Array | BucketkitError> {
  try {
    return await read();
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err;
  }
}

function expectCorrupt(result: Uint8Array | BucketkitError, key: string): void {
  expect(result, 'a damaged object read without an error').toBeInstanceOf(BucketkitError);
  const err = result as BucketkitError;
  expect(err.code).toBe('Corrupt');
  expect(err.message).toContain(`"${key}"`);
  expect(err.details).toMatchObject({ key });
}

/** Reads a body as a stream chunk by chunk: the bytes seen, and how the stream ended. */
async function drain(body: ReadableStream<Uint8Array>): Promise<{ seen: number; end: 'clean' | unknown }> {
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { seen, end: 'clean' };
      seen += value.byteLength;
    }
  } catch (err) {
    return { seen, end: err };
  }
}

// 20 KB and 100 KB are read in one call when get() runs; 700 KB streams from the file
const SIZES = [20_000, 100_000, 700_000];

describe('file port: a data file whose bytes rotted is Corrupt naming the key (issue 14, deliver 4)', () => {
  it.each(SIZES)('%i bytes: a flipped byte fails get().bytes(), text() and the stream', async (size) => {
    const root = await sandbox();
    const port = fileStorage(root);
    const key = `obj-${size}`;
    const body = payload(size, size);
    await port.put(key, body);
    const data = await dataFileOf(root, key);
    for (const at of [0, size >> 1, size - 1]) {
      await flip(data, at);
      expectCorrupt(await outcome(async () => (await port.get(key)).bytes()), key);
      expectCorrupt(
        await outcome(async () => new TextEncoder().encode(await (await port.get(key)).text())),
        key,
      );
      // a streaming reader is told before it sees a clean end, and never gets every byte
      const streamed = await outcome(async () => {
        const { seen, end } = await drain((await port.get(key)).body);
        expect(end, `flip at ${at}: the stream ended cleanly after ${seen} bytes`).not.toBe('clean');
        expect(seen).toBeLessThan(size);
        throw end;
      });
      expectCorrupt(streamed, key);
      await flip(data, at); // undone: the object reads whole again
      expect(Buffer.from(await (await port.get(key)).bytes()).equals(body)).toBe(true);
    }
  });

  it.each(SIZES)(
    '%i bytes: a data file cut short or grown is Corrupt for full and ranged reads',
    async (size) => {
      const root = await sandbox();
      const port = fileStorage(root);
      const key = `obj-${size}`;
      const body = payload(size, size + 1);
      await port.put(key, body);
      const data = await dataFileOf(root, key);
      await truncate(data, size - 1);
      expectCorrupt(await outcome(async () => (await port.get(key)).bytes()), key);
      expectCorrupt(
        await outcome(async () => (await port.get(key, { range: { start: 0, end: 9 } })).bytes()),
        key,
      );
      await writeFile(data, Buffer.concat([Buffer.from(body), Buffer.from('tail')]));
      expectCorrupt(await outcome(async () => (await port.get(key)).bytes()), key);
      expectCorrupt(
        await outcome(async () => (await port.get(key, { range: { start: 5, end: 9 } })).bytes()),
        key,
      );
      await writeFile(data, body);
      expect(Buffer.from(await (await port.get(key)).bytes()).equals(body)).toBe(true);
    },
  );

  it('a ranged read checks the bytes it returns: a flip far from the range reads, one inside the range does not', async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    const size = 300_000;
    const body = payload(size, 7);
    await port.put('r', body);
    await flip(await dataFileOf(root, 'r'), size - 1);
    const part = await (await port.get('r', { range: { start: 1000, end: 1999 } })).bytes();
    expect(Buffer.from(part).equals(Buffer.from(body.subarray(1000, 2000)))).toBe(true);
    expectCorrupt(
      await outcome(async () => (await port.get('r', { range: { start: 0, end: size - 1 } })).bytes()),
      'r',
    );
    expectCorrupt(await outcome(async () => (await port.get('r', { range: { start: 0 } })).bytes()), 'r');
    expectCorrupt(
      await outcome(async () =>
        (await port.get('r', { range: { start: size - 10, end: size - 1 } })).bytes(),
      ),
      'r',
    );
  });

  it("objects written with etag 'any' (no MD5 recorded) and copies read whole", async () => {
    const root = await sandbox();
    const port = fileStorage(root);
    for (const size of SIZES) {
      const body = payload(size, 3);
      await port.put(`any-${size}`, body, { etag: 'any' });
      expect(Buffer.from(await (await port.get(`any-${size}`)).bytes()).equals(body)).toBe(true);
      const { seen, end } = await drain((await port.get(`any-${size}`)).body);
      expect([seen, end]).toEqual([size, 'clean']);
      await port.put(`md5-${size}`, body);
      await port.copy(`md5-${size}`, `copy-${size}`);
      const copy = await port.get(`copy-${size}`);
      expect(copy.etag).toBe(createHash('md5').update(body).digest('hex'));
      expect(Buffer.from(await copy.bytes()).equals(body)).toBe(true);
    }
  });
});

describe('file port: reads never return a version older than one acknowledged (issue 14, deliver 4)', () => {
  it.each([
    ['inline', 3_000],
    ['with a data file', 30_000],
  ])(
    '%s: bytes of the record file flipped in turn read the newest version or Corrupt',
    async (_, size) => {
      const root = await sandbox();
      const port = fileStorage(root);
      const v1 = payload(size, 1);
      const v2 = payload(size, 2);
      await port.put('k', v1);
      await port.put('k', v2); // in place: v2 in the other slot, v1 still whole in the first
      const path = join(root, 'k~');
      const pristine = Buffer.from(await readFile(path));
      const seen = { newest: 0, corrupt: 0 };
      // every byte of the prelude, both slot headers and the ends of both slots; every 29th elsewhere
      const slotB = pristine.readUInt32BE(4);
      const slotAEnd = 16 + 12 + pristine.readUInt32BE(16);
      const edges = [0, slotAEnd, slotB, pristine.byteLength];
      const near = (at: number, edge: number) => at >= edge - 64 && at < edge + 64;
      const file = await open(path, 'r+');
      const flipAt = (at: number) => file.write(Buffer.of(pristine[at]! ^ 0x01), 0, 1, at);
      for (let at = 0; at < pristine.byteLength; at++) {
        if (at % 29 !== 0 && !edges.some((edge) => near(at, edge))) continue;
        await flipAt(at);
        const result = await outcome(async () => (await port.get('k')).bytes());
        await file.write(pristine, at, 1, at);
        if (result instanceof BucketkitError) {
          expect(result.code, `byte ${at}: ${result.message}`).toBe('Corrupt');
          expect(result.details, `byte ${at}`).toMatchObject({ key: 'k' });
          seen.corrupt++;
        } else {
          expect(Buffer.from(result).equals(Buffer.from(v1)), `byte ${at}: read the older version`).toBe(
            false,
          );
          expect(Buffer.from(result).equals(Buffer.from(v2)), `byte ${at}: read other bytes`).toBe(true);
          seen.newest++;
        }
      }
      await file.close();
      // the newest slot's bytes are all Corrupt, the older slot's and the padding's read the newest
      expect(seen.corrupt).toBeGreaterThan(size > 16_000 ? 20 : size / 29);
      expect(seen.newest).toBeGreaterThan(100);
    },
    120_000,
  );
});

describe('file port behind the gateway: a rotted data file never reaches a client as a whole answer', () => {
  it.each([100_000, 3_000_000])(
    '%i bytes',
    async (size) => {
      const gw = await startGateway();
      try {
        const port = await bucketPort(gw, 'rot');
        const body = payload(size, 9);
        await port.put('obj', body);
        await flip(await dataFileOf(join(gw.root, 'rot'), 'obj'), size - 1);
        // 100 KB: refused before the answer starts; 3 MB: the answer breaks off before its last chunk
        const read = await port
          .get('obj')
          .then((r) => r.bytes())
          .catch((err: unknown) => err);
        expect(read, 'the damaged object was served whole').toBeInstanceOf(BucketkitError);
        // refused before the answer: a 500 (the server's fault, retryable), not a 400 blaming the request
        if (size === 100_000)
          expect((read as BucketkitError).details).toMatchObject({ status: 500, retryable: true });
      } finally {
        await gw.stop();
      }
    },
    60_000,
  );
});
