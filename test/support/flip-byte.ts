/**
 * Bit rot for tests: flips one bit of one byte of a file in place and gives the file a modification time of its
 * own, so a reader that caches a check by (inode, size, times) sees every change even on a filesystem with
 * coarse timestamps. Flipping the same position twice restores the file.
 */
import { open, utimes } from 'node:fs/promises';

let edits = 0;

/** Flips bit 4 of the byte at `fraction` (0–1) of the file's length. */
export async function flipByteAt(path: string, fraction: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const at = Math.floor(size * fraction);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x10;
    await file.write(byte, 0, 1, at);
  } finally {
    await file.close();
  }
  const time = new Date(1_000_000_000 + ++edits * 1000);
  await utimes(path, time, time);
}
