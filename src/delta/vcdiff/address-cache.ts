/**
 * The address caches of RFC 3284 §5.1–5.3 with the default sizes (4 NEAR slots, 3×256 SAME slots).
 * Encoder and decoder run the same updates after every COPY, so a small mode number plus a short
 * integer (or one byte) stands for a full address. Both are reset at the start of every window.
 */
import { bkError } from '../../errors.js';
import type { ByteReader } from './bytes.js';
import { integerSize, readInteger } from './integer.js';

export const NEAR_SIZE = 4;
export const SAME_SIZE = 3;
const SAME_SLOTS = SAME_SIZE * 256;
const MODE_NEAR = 2;
const MODE_SAME = MODE_NEAR + NEAR_SIZE;

/** How an address is written: its mode, and either an integer or (SAME modes) one byte. */
export interface EncodedAddress {
  mode: number;
  value: number;
  /** True for SAME modes: `value` is written as one raw byte. */
  isByte: boolean;
}

export class AddressCache {
  private readonly near = new Float64Array(NEAR_SIZE);
  private readonly same = new Float64Array(SAME_SLOTS);
  private nextSlot = 0;

  reset(): void {
    this.near.fill(0);
    this.same.fill(0);
    this.nextSlot = 0;
  }

  private update(address: number): void {
    this.near[this.nextSlot] = address;
    this.nextSlot = (this.nextSlot + 1) % NEAR_SIZE;
    this.same[address % SAME_SLOTS] = address;
  }

  /** Decodes the address of a COPY in `mode` at position `here`, reading from the address section. */
  decode(mode: number, here: number, addresses: ByteReader): number {
    let address: number;
    if (mode === 0) address = readInteger(addresses);
    else if (mode === 1) address = here - readInteger(addresses);
    else if (mode < MODE_SAME) address = (this.near[mode - MODE_NEAR] as number) + readInteger(addresses);
    else if (mode < MODE_SAME + SAME_SIZE) {
      address = this.same[(mode - MODE_SAME) * 256 + addresses.byte()] as number;
    } else throw bkError('Corrupt', `VCDIFF address mode ${mode} does not exist`);
    if (address < 0 || address >= here) {
      throw bkError('Corrupt', 'VCDIFF COPY address is outside the data decoded so far', {
        details: { address, here },
      });
    }
    this.update(address);
    return address;
  }

  /** Chooses the cheapest way to write `address` at position `here` and updates the cache. */
  encode(address: number, here: number): EncodedAddress {
    const sameSlot = address % SAME_SLOTS;
    let best: EncodedAddress;
    if (this.same[sameSlot] === address) {
      best = { mode: MODE_SAME + Math.floor(sameSlot / 256), value: sameSlot % 256, isByte: true };
    } else {
      best = { mode: 0, value: address, isByte: false };
      let bestSize = integerSize(address);
      const fromHere = here - address;
      if (integerSize(fromHere) < bestSize) {
        best = { mode: 1, value: fromHere, isByte: false };
        bestSize = integerSize(fromHere);
      }
      for (let i = 0; i < NEAR_SIZE; i++) {
        const offset = address - (this.near[i] as number);
        if (offset >= 0 && integerSize(offset) < bestSize) {
          best = { mode: MODE_NEAR + i, value: offset, isByte: false };
          bestSize = integerSize(offset);
        }
      }
    }
    this.update(address);
    return best;
  }
}
