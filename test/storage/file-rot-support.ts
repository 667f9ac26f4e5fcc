/**
 * Shared by the file port's rot tests (file-data-rot, file-range-rot): temporary roots removed after each
 * test, bytes that differ everywhere, the data file behind a key, and a byte flipped at an exact offset.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';

/** A fresh-folder maker for one test file; the folders go after each test. */
export function sandboxes(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** Bytes that differ everywhere (a shifted copy would not hide a flip); the fixtures' generator. */
export function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The data file of `key` (in the root's top folder). */
export async function dataFileOf(root: string, key: string): Promise<string> {
  const names = (await readdir(root)).filter((n) => n.startsWith(`${key}~d`));
  expect(names).toHaveLength(1);
  return join(root, names[0]!);
}

/** Flips bit 2 of the byte at offset `at`. */
export async function flip(path: string, at: number): Promise<void> {
  const bytes = Buffer.from(await readFile(path));
  bytes[at]! ^= 0x04;
  await writeFile(path, bytes);
}
