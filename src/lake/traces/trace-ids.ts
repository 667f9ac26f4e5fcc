/**
 * The trace-id filter a trace segment's index entry carries: a bloom filter of the segment's distinct
 * trace ids (10 bits per id, 7 probes: ~1 % false positives), stored as base64 in the day index, so
 * `trace(id)` reads only the segments that may hold the trace after one GET per day index.
 *
 * Why not LakeRunner's trigrams of `span_trace_id`: random hex ids make nearly all 4,096 hex trigrams
 * present in any segment of a few hundred traces, so trigrams cannot rule a segment out.
 */
import { bkError } from '../../errors.js';
import { base64 } from '../otlp/any-value.js';

const BITS_PER_ID = 10;
const PROBES = 7;

/** A serialised filter: its size in bits and the bits as base64. */
export interface TraceIdFilter {
  bits: number;
  probes: number;
  filter: string;
}

/** Two 32-bit FNV-1a hashes of the id (different offsets), for double hashing. */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return [a >>> 0, (b >>> 0) | 1];
}

/**
 * The filter of a set of trace ids.
 *
 * @example
 * ```ts
 * const f = traceIdFilter(['4bf92f3577b34da6a3ce929d0e0e4736']);
 * mayHoldTrace(f, '4bf92f3577b34da6a3ce929d0e0e4736'); // true
 * ```
 */
export function traceIdFilter(ids: Iterable<string>): TraceIdFilter {
  const list = [...new Set(ids)];
  const bits = Math.max(64, Math.ceil((list.length * BITS_PER_ID) / 8) * 8);
  const bytes = new Uint8Array(bits / 8);
  for (const id of list) {
    const [h1, h2] = hashes(id.toLowerCase());
    for (let i = 0; i < PROBES; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % bits;
      bytes[bit >>> 3]! |= 1 << (bit & 7);
    }
  }
  return { bits, probes: PROBES, filter: base64(bytes) };
}

/**
 * False when the segment surely holds no span of `id`; true when it may.
 *
 * @example
 * ```ts
 * if (mayHoldTrace(segment.traceIds, id)) read(segment);
 * ```
 */
export function mayHoldTrace(stored: TraceIdFilter, id: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(stored.filter), (c) => c.charCodeAt(0));
  } catch (err) {
    throw bkError('Corrupt', 'a trace index entry has a damaged trace-id filter; re-ingest its sources', {
      cause: err,
    });
  }
  if (bytes.length * 8 !== stored.bits) {
    throw bkError(
      'Corrupt',
      'a trace index entry has a trace-id filter of the wrong size; re-ingest its sources',
    );
  }
  const [h1, h2] = hashes(id.toLowerCase());
  for (let i = 0; i < stored.probes; i++) {
    const bit = ((h1 + Math.imul(i, h2)) >>> 0) % stored.bits;
    if ((bytes[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
