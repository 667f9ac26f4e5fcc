import { createHash } from 'node:crypto';
import { BucketkitError } from '../../errors.js';
import {
  type ChecksumAlgorithm,
  type Checksummer,
  checksumAlgorithmOf,
  createChecksum,
  isChecksumValue,
} from './checksums.js';
import { AwsChunkedDecoder } from './chunked.js';
import { s3Error } from './s3-error.js';
import type { SigningContext } from './signing.js';

/** What to check while the body streams, decided from the request head. */
export interface BodyPlan {
  chunked: boolean;
  /** Verify chunk signatures with this context (signed streaming). */
  chunkSigning: SigningContext | undefined;
  signedTrailer: boolean;
  /** Expected SHA-256 hex of the payload, when the request signed one. */
  sha256: string | undefined;
  /** Expected Content-MD5, base64. */
  contentMd5: string | undefined;
  /** Raw Content-Length (the framed length for aws-chunked). */
  contentLength: number | undefined;
  /** Payload length without framing, when the request says it. */
  decodedLength: number | undefined;
  /** `x-amz-checksum-*` header values to verify. */
  headerChecksums: Map<ChecksumAlgorithm, string>;
  /** Trailer names declared by `x-amz-trailer`. */
  trailerNames: string[];
  /** Algorithms to compute and echo even without a value to check (`x-amz-sdk-checksum-algorithm`). */
  computed: Set<ChecksumAlgorithm>;
}

type Headers = Record<string, string | string[] | undefined>;

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseLength(value: string | undefined, header: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) throw s3Error('InvalidArgument', `${header} is not a byte count`);
  return Number(value.trim());
}

const NOT_CHECKSUMS = new Set(['x-amz-checksum-type', 'x-amz-checksum-algorithm', 'x-amz-checksum-mode']);

/**
 * Reads the payload-related headers into a plan. `payloadHash` is the signed x-amz-content-sha256 (or
 * undefined for an anonymous request without one); `signing` is present for signed requests.
 */
export function planBody(
  headers: Headers,
  payloadHash: string | undefined,
  signing: SigningContext | undefined,
  options: { checksumHeadersAreForBody: boolean },
): BodyPlan {
  const plan: BodyPlan = {
    chunked: false,
    chunkSigning: undefined,
    signedTrailer: false,
    sha256: undefined,
    contentMd5: undefined,
    contentLength: parseLength(single(headers, 'content-length'), 'Content-Length'),
    decodedLength: undefined,
    headerChecksums: new Map(),
    trailerNames: [],
    computed: new Set(),
  };
  if (payloadHash === undefined || payloadHash === 'UNSIGNED-PAYLOAD') {
    // nothing signed about the body
  } else if (/^[0-9a-fA-F]{64}$/.test(payloadHash)) {
    plan.sha256 = payloadHash.toLowerCase();
  } else if (payloadHash === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    plan.chunked = true;
  } else if (
    payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' ||
    payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
  ) {
    if (!signing) throw s3Error('InvalidRequest', `${payloadHash} needs a signed request`);
    plan.chunked = true;
    plan.chunkSigning = signing;
    plan.signedTrailer = payloadHash.endsWith('-TRAILER');
  } else if (payloadHash.startsWith('STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD')) {
    throw s3Error('NotImplemented', 'SigV4a (ECDSA) streaming signatures are not supported; sign with SigV4');
  } else {
    throw s3Error(
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or a SHA-256 hex digest',
      { value: payloadHash.slice(0, 80) },
    );
  }
  plan.decodedLength = plan.chunked
    ? parseLength(single(headers, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length')
    : plan.contentLength;

  const md5 = single(headers, 'content-md5')?.trim();
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16 || !/^[A-Za-z0-9+/]{22}==$/.test(md5)) {
      throw s3Error('InvalidDigest', 'Content-MD5 must be the base64 of a 16-byte MD5 digest');
    }
    plan.contentMd5 = md5;
  }

  if (options.checksumHeadersAreForBody) {
    for (const [name, raw] of Object.entries(headers)) {
      if (!name.startsWith('x-amz-checksum-') || NOT_CHECKSUMS.has(name) || raw === undefined) continue;
      const algorithm = checksumAlgorithmOf(name);
      if (!algorithm) continue;
      const value = (Array.isArray(raw) ? raw.join(',') : raw).trim();
      if (!isChecksumValue(algorithm, value))
        throw s3Error('InvalidRequest', `Value for ${name} header is invalid.`);
      plan.headerChecksums.set(algorithm, value);
    }
    if (plan.headerChecksums.size > 1)
      throw s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header');
    const sdk = single(headers, 'x-amz-sdk-checksum-algorithm');
    const sdkAlgorithm = sdk === undefined ? undefined : checksumAlgorithmOf(sdk);
    if (sdkAlgorithm) plan.computed.add(sdkAlgorithm);
  }
  if (plan.chunked) {
    const declared = single(headers, 'x-amz-trailer') ?? '';
    plan.trailerNames = declared
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '');
  }
  return plan;
}

/**
 * The body side of an authenticated request: `payload` streams the body through the checks of `plan`
 * and throws before it completes when any fails; `checksums` then lists what was verified.
 */
export function createPayload(plan: BodyPlan): {
  payload(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
  checksums(): Record<string, string>;
} {
  let used = false;
  let verified: Record<string, string> = {};

  async function* run(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    const algorithms = new Set<ChecksumAlgorithm>([...plan.headerChecksums.keys(), ...plan.computed]);
    for (const name of plan.trailerNames) {
      const algorithm = checksumAlgorithmOf(name);
      if (algorithm && name.startsWith('x-amz-checksum-')) algorithms.add(algorithm);
    }
    const sums = new Map<ChecksumAlgorithm, Checksummer>([...algorithms].map((a) => [a, createChecksum(a)]));
    const sha = plan.sha256 === undefined ? undefined : createHash('sha256');
    const md5 = plan.contentMd5 === undefined ? undefined : createHash('md5');
    const decoder = plan.chunked
      ? new AwsChunkedDecoder({
          ...(plan.chunkSigning ? { signing: plan.chunkSigning } : {}),
          signedTrailer: plan.signedTrailer,
          ...(plan.decodedLength === undefined ? {} : { decodedLength: plan.decodedLength }),
        })
      : undefined;
    let total = 0;
    const feed = (part: Uint8Array): void => {
      sha?.update(part);
      md5?.update(part);
      for (const sum of sums.values()) sum.update(part);
      total += part.length;
    };

    try {
      for await (const raw of body) {
        if (decoder) {
          for (const part of decoder.push(raw)) {
            feed(part);
            yield part;
          }
        } else {
          if (plan.contentLength !== undefined && total + raw.length > plan.contentLength) {
            throw s3Error('InvalidRequest', 'the body is longer than its Content-Length');
          }
          feed(raw);
          yield raw;
        }
      }
    } catch (err) {
      if (BucketkitError.is(err)) throw err;
      throw s3Error('IncompleteBody', 'the request body stopped before it was complete', {}, err);
    }

    const trailers = decoder?.end() ?? new Map<string, string>();
    const expected = decoder ? plan.decodedLength : plan.contentLength;
    if (expected !== undefined && total !== expected) {
      throw s3Error(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
        {
          expected,
          received: total,
        },
      );
    }
    if (sha && plan.sha256 !== undefined) {
      const calculated = sha.digest('hex');
      if (calculated !== plan.sha256) {
        throw s3Error(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {
            clientComputedContentSHA256: plan.sha256,
            s3ComputedContentSHA256: calculated,
          },
        );
      }
    }
    if (md5 && md5.digest('base64') !== plan.contentMd5) {
      throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const digests = new Map<ChecksumAlgorithm, string>([...sums].map(([a, sum]) => [a, sum.digest()]));
    const check = (algorithm: ChecksumAlgorithm, value: string, where: string): void => {
      if (!isChecksumValue(algorithm, value))
        throw s3Error('InvalidRequest', `Value for ${where} is invalid.`);
      if (digests.get(algorithm) !== value) {
        throw s3Error(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
          {
            algorithm,
          },
        );
      }
    };
    for (const [algorithm, value] of plan.headerChecksums)
      check(algorithm, value, `x-amz-checksum-${algorithm} header`);
    for (const name of plan.trailerNames) {
      const algorithm = checksumAlgorithmOf(name);
      const value = trailers.get(name);
      if (!algorithm || !name.startsWith('x-amz-checksum-')) continue;
      if (value === undefined)
        throw s3Error('InvalidRequest', `the trailer ${name} declared in x-amz-trailer is missing`);
      check(algorithm, value, `trailer ${name}`);
    }
    for (const name of trailers.keys()) {
      if (name.startsWith('x-amz-checksum-') && !plan.trailerNames.includes(name)) {
        throw s3Error('InvalidRequest', `the trailer ${name} was not declared in x-amz-trailer`);
      }
    }
    verified = Object.fromEntries([...digests].map(([a, value]) => [`x-amz-checksum-${a}`, value]));
  }

  return {
    payload(body) {
      if (used) throw s3Error('InvalidRequest', 'payload() reads the body once; call it a single time');
      used = true;
      return run(body);
    },
    checksums: () => ({ ...verified }),
  };
}
