import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** The SigV4 algorithm names, one per thing signed. */
export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** SHA-256 of the empty string, hex; the "headers" hash in every chunk string-to-sign. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Everything needed to sign the chunks and trailer that follow the request. */
export interface SigningContext {
  key: Buffer;
  amzDate: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
  /** The request's own signature, which seeds the chunk chain. */
  seed: string;
}

/** SHA-256 hex of `data` (the one-shot `hash` skips a Hash object: cheaper for the short texts hashed here). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** HMAC-SHA256 hex of `data` under `key`. */
export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

const MAX_KEYS = 512;
const keyCache = new Map<string, Buffer>();

/**
 * The derived signing key for (secret, date, region, service), cached: deriving it costs four HMACs
 * and it changes only once a day per access key.
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  const hit = keyCache.get(id);
  if (hit) return hit;
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const key = createHmac('sha256', kService).update('aws4_request').digest();
  if (keyCache.size >= MAX_KEYS) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(id, key);
  return key;
}

/** Compares two signatures in time independent of where they differ. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request string-to-sign. */
export function requestStringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** The signature of one aws-chunked chunk whose data hashes to `dataSha256`. */
export function chunkSignature(ctx: SigningContext, previous: string, dataSha256: string): string {
  return hmacHex(
    ctx.key,
    `${ALGORITHM}-PAYLOAD\n${ctx.amzDate}\n${ctx.scope}\n${previous}\n${EMPTY_SHA256}\n${dataSha256}`,
  );
}

/** The signature of the trailer block, given its canonical `name:value\n` lines. */
export function trailerSignature(ctx: SigningContext, previous: string, canonicalTrailers: string): string {
  return hmacHex(
    ctx.key,
    `${ALGORITHM}-TRAILER\n${ctx.amzDate}\n${ctx.scope}\n${previous}\n${sha256Hex(canonicalTrailers)}`,
  );
}
