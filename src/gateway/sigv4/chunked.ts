import { createHash, type Hash } from 'node:crypto';
import { s3Error } from './s3-error.js';
import { chunkSignature, type SigningContext, sameSignature, trailerSignature } from './signing.js';

/** Longest chunk-header or trailer line accepted; a signed chunk header is under 100 bytes. */
export const MAX_LINE = 1024;
/** Most trailer lines accepted. */
export const MAX_TRAILERS = 16;

/**
 * How the aws-chunked body is to be checked.
 *
 * @example
 * ```ts
 * const options: ChunkedOptions = { decodedLength: Number(req.headers['x-amz-decoded-content-length']) };
 * ```
 */
export interface ChunkedOptions {
  /** Verify every `chunk-signature` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
  signing?: SigningContext;
  /** Expect and verify `x-amz-trailer-signature` (the signed -TRAILER variant). */
  signedTrailer?: boolean;
  /** The declared `x-amz-decoded-content-length`: no chunk may go past it. */
  decodedLength?: number;
}

type State = 'header' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done';

const CR = 0x0d;
const LF = 0x0a;

/**
 * A streaming decoder for `Content-Encoding: aws-chunked` bodies. Feed it network reads of any size with
 * `push` (a chunk header may be split anywhere); it returns the payload bytes as views of the input,
 * verifying chunk signatures as each chunk ends. It buffers at most one line. `end()` checks the body
 * was complete and returns the trailers.
 *
 * @example
 * ```ts
 * const decoder = new AwsChunkedDecoder({ decodedLength: 5 });
 * decoder.push(new TextEncoder().encode('5\r\nhello\r\n0\r\n\r\n')); // [bytes of 'hello']
 * decoder.end(); // Map {}
 * ```
 */
export class AwsChunkedDecoder {
  /** Payload bytes produced so far. */
  decodedBytes = 0;
  private state: State = 'header';
  private readonly line = new Uint8Array(MAX_LINE + 1);
  private lineLength = 0;
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkSig = '';
  private previousSig: string;
  private readonly trailers = new Map<string, string>();

  constructor(private readonly options: ChunkedOptions = {}) {
    this.previousSig = options.signing?.seed ?? '';
  }

  /** Consumes one network read and returns the payload bytes it contained. */
  push(input: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < input.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.remaining, input.length - i);
          const part = input.subarray(i, i + take);
          this.chunkHash?.update(part);
          out.push(part);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
        case 'data-lf': {
          const want = this.state === 'data-cr' ? CR : LF;
          if (input[i] !== want) throw framing('a chunk is longer than its declared size');
          i++;
          if (this.state === 'data-cr') this.state = 'data-lf';
          else {
            this.verifyChunk();
            this.state = 'header';
          }
          break;
        }
        case 'header':
        case 'trailer':
          i = this.readLine(input, i);
          break;
        case 'done':
          if (input[i] !== CR && input[i] !== LF)
            throw framing('bytes follow the end of the aws-chunked body');
          i++;
          break;
      }
    }
    return out;
  }

  /** Call when the body ended: throws `IncompleteBody` unless the final chunk and trailers arrived. */
  end(): Map<string, string> {
    if (this.state !== 'done') {
      throw s3Error(
        'IncompleteBody',
        'the aws-chunked body ended before its final chunk; resend the request',
        {
          received: this.decodedBytes,
        },
      );
    }
    return this.trailers;
  }

  private readLine(input: Uint8Array, start: number): number {
    let i = start;
    while (i < input.length) {
      const byte = input[i++]!;
      if (byte === LF && this.lineLength > 0 && this.line[this.lineLength - 1] === CR) {
        const text = Buffer.from(this.line.subarray(0, this.lineLength - 1)).toString('latin1');
        this.lineLength = 0;
        if (this.state === 'header') this.onHeader(text);
        else this.onTrailer(text);
        return i;
      }
      if (this.lineLength > MAX_LINE) {
        throw this.state === 'header'
          ? s3Error('InvalidChunkSizeError', `an aws-chunked chunk header is longer than ${MAX_LINE} bytes`)
          : framing(`an aws-chunked trailer line is longer than ${MAX_LINE} bytes`);
      }
      this.line[this.lineLength++] = byte;
    }
    return i;
  }

  private onHeader(text: string): void {
    const [sizeText = '', ...extensions] = text.split(';');
    if (!/^[0-9a-fA-F]{1,13}$/.test(sizeText)) {
      throw s3Error('InvalidChunkSizeError', 'an aws-chunked chunk size is not a hex number', {
        header: text.slice(0, 64),
      });
    }
    const size = Number.parseInt(sizeText, 16);
    const limit = this.options.decodedLength;
    if (limit !== undefined && this.decodedBytes + size > limit) {
      throw s3Error('InvalidChunkSizeError', 'the aws-chunked chunks exceed x-amz-decoded-content-length', {
        decodedLength: limit,
      });
    }
    if (this.options.signing) {
      const ext = extensions.find((e) => e.startsWith('chunk-signature='));
      const sig = ext?.slice('chunk-signature='.length) ?? '';
      if (!/^[0-9a-f]{64}$/.test(sig)) {
        throw framing('a signed aws-chunked chunk has no valid chunk-signature');
      }
      this.chunkSig = sig;
      this.chunkHash = createHash('sha256');
    }
    this.decodedBytes += size;
    this.remaining = size;
    if (size > 0) this.state = 'data';
    else {
      this.verifyChunk();
      this.state = 'trailer';
    }
  }

  private verifyChunk(): void {
    const ctx = this.options.signing;
    if (!ctx || !this.chunkHash) return;
    const digest = this.chunkHash.digest('hex');
    this.chunkHash = undefined;
    const expected = chunkSignature(ctx, this.previousSig, digest);
    if (!sameSignature(expected, this.chunkSig)) {
      throw s3Error('SignatureDoesNotMatch', 'an aws-chunked chunk signature does not match its data', {
        offset: this.decodedBytes,
      });
    }
    this.previousSig = this.chunkSig;
  }

  private onTrailer(text: string): void {
    if (text === '') {
      this.finishTrailers();
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw framing('an aws-chunked trailer line is not `name:value`');
    const name = text.slice(0, colon).trim().toLowerCase();
    if (this.trailers.has(name) || this.trailers.size >= MAX_TRAILERS) {
      throw framing('aws-chunked trailers repeat a name or are too many');
    }
    this.trailers.set(name, text.slice(colon + 1).trim());
  }

  private finishTrailers(): void {
    const ctx = this.options.signing;
    if (!ctx || !this.options.signedTrailer) return;
    const given = this.trailers.get('x-amz-trailer-signature');
    this.trailers.delete('x-amz-trailer-signature');
    const names = [...this.trailers.keys()].sort();
    const canonical = names.map((name) => `${name}:${this.trailers.get(name)}\n`).join('');
    if (given === undefined || !sameSignature(trailerSignature(ctx, this.previousSig, canonical), given)) {
      throw s3Error(
        'SignatureDoesNotMatch',
        'the aws-chunked trailer signature is missing or does not match',
      );
    }
  }
}

function framing(message: string) {
  return s3Error('InvalidRequest', `${message}; the body is not valid aws-chunked encoding`);
}
