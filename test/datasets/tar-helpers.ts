/** Raw TAR building blocks for tests that need headers the writer never produces. */
import { headerChecksums } from '../../src/datasets/tar-format.js';
import { concatBytes } from '../../src/storage/index.js';

const enc = new TextEncoder();

export interface RawHeader {
  name?: string;
  size?: number;
  typeflag?: string;
  linkname?: string;
  prefix?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
  /** How the checksum is written: correct unsigned (default), signed, or wrong. */
  checksum?: 'unsigned' | 'signed' | 'bad';
  /** Raw bytes for the size field (overrides `size`). */
  sizeField?: Uint8Array;
  /** Sets high bytes in the name so signed and unsigned sums differ. */
  highBytes?: boolean;
}

export function rawHeader(h: RawHeader): Uint8Array {
  const block = new Uint8Array(512);
  block.set(enc.encode(h.name ?? 'file.txt').subarray(0, 100), 0);
  block.set(enc.encode('0000644\0'), 100);
  block.set(enc.encode('0000000\0'), 108);
  block.set(enc.encode('0000000\0'), 116);
  block.set(h.sizeField ?? enc.encode(`${(h.size ?? 0).toString(8).padStart(11, '0')}\0`), 124);
  block.set(enc.encode('00000000000\0'), 136);
  block[156] = (h.typeflag ?? '0').charCodeAt(0);
  if (h.linkname) block.set(enc.encode(h.linkname), 157);
  const magic = h.magic ?? 'ustar';
  if (magic === 'ustar') block.set(enc.encode('ustar\u000000'), 257);
  if (magic === 'gnu') block.set(enc.encode('ustar  \0'), 257);
  if (h.prefix) block.set(enc.encode(h.prefix), 345);
  if (h.highBytes) block.fill(0xe9, 100 - 10, 100);
  const sums = headerChecksums(block);
  const value =
    h.checksum === 'signed' ? sums.signed : h.checksum === 'bad' ? sums.unsigned + 1 : sums.unsigned;
  const digits = value < 0 ? `-${(-value).toString(8).padStart(5, '0')}` : value.toString(8).padStart(6, '0');
  block.set(enc.encode(`${digits}\0 `), 148);
  return block;
}

/** Content padded to whole blocks. */
export function content(data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
}

export function paxData(records: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const n = enc.encode(body).length;
    let length = n + 1;
    while (String(length).length + n !== length) length = String(length).length + n;
    text += `${length}${body}`;
  }
  return enc.encode(text);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

export const END = new Uint8Array(1024);
