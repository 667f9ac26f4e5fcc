/**
 * LakeRunner's time-series id (`chq_tid`): FNV-1a 64 over `key=value|` of the series' labels sorted by key
 * (`metric_name`, `chq_metric_type`, the allow-listed `resource_*`, every `attr_*`; empty values left out),
 * as a signed int64.
 */

const encoder = new TextEncoder();

/**
 * FNV-1a 64 of UTF-8 bytes as a signed int64, with 32-bit halves (no BigInt per byte).
 *
 * @example
 * ```ts
 * fnv1a64(new TextEncoder().encode('')); // -3750763034362895579n (0xcbf29ce484222325)
 * ```
 */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i] as number;
    lo >>>= 0;
    // × 0x100000001b3 = × 2^40 + × 0x1b3, modulo 2^64
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / 0x100000000);
    const shifted = (lo << 8) >>> 0; // lo × 2^40 lands in the high half as lo × 2^8
    hi = (((hi * 0x1b3) >>> 0) + carry + shifted) >>> 0;
    lo = loProduct >>> 0;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/**
 * The tid of a series from its cooked labels (name → non-empty value).
 *
 * @example
 * ```ts
 * seriesTid({ metric_name: 'up', chq_metric_type: 'gauge', attr_job: 'node' });
 * ```
 */
export function seriesTid(labels: Readonly<Record<string, string>>): bigint {
  const keys = Object.keys(labels).sort(byteOrder);
  let text = '';
  for (const key of keys) {
    const value = labels[key] as string;
    if (value !== '') text += `${key}=${value}|`;
  }
  return fnv1a64(encoder.encode(text));
}

/** Go's `strings.Compare` order (bytes); cooked keys are ASCII, so code units order the same. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
