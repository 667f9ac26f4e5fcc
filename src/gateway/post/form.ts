/**
 * A browser upload's multipart/form-data body, read as it streams: the fields before the file are
 * read whole (at most `maxFieldBytes` of them, as S3 limits what precedes the file), the file is
 * handed on as a stream that ends at its boundary. Fields after the file are read and ignored, as S3
 * does, so the request is complete when the file stream ends.
 */
import { s3Error } from '../s3-errors.js';

/** The file part of the form. */
export interface FormFile {
  /** The file name the browser sent (`filename=` of the part), if any. */
  filename: string | undefined;
  /** The part's own Content-Type, if any. */
  contentType: string | undefined;
  /** The file's bytes; throws MalformedPOSTRequest when the body ends before the boundary. */
  body: AsyncIterable<Uint8Array>;
}

/** The fields before the file (names lower-cased, as S3 compares them), and the file. */
export interface PostForm {
  fields: Map<string, string>;
  file: FormFile;
}

const malformed = (why: string) =>
  s3Error(
    'MalformedPOSTRequest',
    400,
    `The body of your POST request is not well-formed multipart/form-data: ${why}`,
  );
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_PART_HEADERS = 8 * 1024;
/** What may follow the file (the closing boundary, ignored fields) before the request is refused. */
const MAX_TRAILING_BYTES = 64 * 1024;

/**
 * The boundary of a `multipart/form-data` Content-Type, or undefined for another type.
 *
 * @example
 * ```ts
 * formBoundary('multipart/form-data; boundary=----x'); // '----x'
 * ```
 */
export function formBoundary(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const drains = new WeakMap<object, (limit: number, ms: number) => Promise<boolean>>();

/**
 * After a failed browser upload: reads and drops the rest of its form (at most `limit` bytes, `ms`
 * long), so the client reads the error rather than a reset. Resolves true when some is still unread;
 * undefined when `body` is not a form being read.
 *
 * @example
 * ```ts
 * const unread = await drainForm(req, 64 * 1024, 1000);
 * ```
 */
export function drainForm(body: object, limit: number, ms: number): Promise<boolean> | undefined {
  return drains.get(body)?.(limit, ms);
}

/** Pulls bytes from the request into one buffer on demand. */
class Reader {
  private buffer: Buffer = CRLF; // the body's first boundary has no CRLF before it: supply one
  private readonly chunks: AsyncIterator<Uint8Array>;
  consumed = 0;
  constructor(body: AsyncIterable<Uint8Array>) {
    this.chunks = body[Symbol.asyncIterator]();
  }
  get pending(): Buffer {
    return this.buffer;
  }
  /** Reads one more chunk; false at the end of the body. */
  async more(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    this.buffer =
      this.buffer.byteLength === 0 ? Buffer.from(next.value) : Buffer.concat([this.buffer, next.value]);
    return true;
  }
  /**
   * Reads and drops the rest of the body, at most `limit` bytes and `ms` long: true when some is still
   * unread (the connection should then close rather than wait for it).
   */
  async drain(limit: number, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), ms);
    });
    const read = (async () => {
      let dropped = 0;
      for (;;) {
        this.buffer = Buffer.alloc(0);
        const next = await this.chunks.next();
        if (next.done) return false;
        dropped += next.value.byteLength;
        if (dropped > limit) return true;
      }
    })();
    try {
      return await Promise.race([read, late]);
    } catch {
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
  take(length: number): Buffer {
    const taken = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    this.consumed += length;
    return taken;
  }
  /** The bytes up to `needle` (removed with it), reading as needed; undefined when the body ends first. */
  async until(needle: Buffer, limit: number, tooLong: () => Error): Promise<Buffer | undefined> {
    let from = 0;
    for (;;) {
      const at = this.buffer.indexOf(needle, from);
      if (at >= 0) {
        const found = Buffer.from(this.take(at));
        this.take(needle.byteLength);
        return found;
      }
      if (this.buffer.byteLength > limit) throw tooLong();
      from = Math.max(0, this.buffer.byteLength - needle.byteLength + 1);
      if (!(await this.more())) return undefined;
    }
  }
}

interface PartHead {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
}

function parsePartHead(text: string): PartHead {
  let disposition = '';
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  const param = (p: string) => new RegExp(`;\\s*${p}="([^"]*)"`, 'i').exec(disposition)?.[1];
  const name = param('name');
  if (!/^form-data\s*;/i.test(disposition) || name === undefined)
    throw malformed('a part has no form-data name');
  return { name, filename: param('filename'), contentType };
}

/**
 * Reads a browser upload form up to its file and returns the fields and the file's stream.
 *
 * @example
 * ```ts
 * const form = await readPostForm(req, formBoundary(req.headers['content-type']!)!, 20 * 1024);
 * await port.put(form.fields.get('key')!, form.file.body);
 * ```
 */
export async function readPostForm(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  maxFieldBytes: number,
): Promise<PostForm> {
  const reader = new Reader(body);
  drains.set(body, (limit, ms) => reader.drain(limit, ms));
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const tooLarge = () =>
    s3Error(
      'MaxPostPreDataLengthExceededError',
      400,
      `Your POST request fields preceding the upload file were too large (at most ${maxFieldBytes} bytes)`,
    );
  // the preamble before the first boundary is ignored
  if ((await reader.until(delimiter, maxFieldBytes, tooLarge)) === undefined) throw malformed('no boundary');
  const fields = new Map<string, string>();
  for (;;) {
    while (reader.pending.byteLength < 2) if (!(await reader.more())) throw malformed('it ends early');
    if (reader.take(2).toString('latin1') === '--') break;
    const head = await reader.until(HEADER_END, MAX_PART_HEADERS, () => malformed('part headers too long'));
    if (head === undefined) throw malformed('it ends inside part headers');
    const part = parsePartHead(head.toString('utf8'));
    if (part.name.toLowerCase() === 'file') {
      return {
        fields,
        file: { filename: part.filename, contentType: part.contentType, body: fileBody(reader, delimiter) },
      };
    }
    const value = await reader.until(delimiter, maxFieldBytes, tooLarge);
    if (value === undefined) throw malformed('it ends inside a field');
    if (reader.consumed > maxFieldBytes) throw tooLarge();
    const name = part.name.toLowerCase();
    if (!fields.has(name)) fields.set(name, value.toString('utf8'));
  }
  throw s3Error(
    'InvalidArgument',
    400,
    'POST requires exactly one file upload per request (a field named "file")',
  );
}

/** The file's bytes up to the next boundary; then what follows is read and dropped. */
async function* fileBody(reader: Reader, delimiter: Buffer): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buffer = reader.pending;
    const at = buffer.indexOf(delimiter);
    if (at >= 0) {
      if (at > 0) yield reader.take(at);
      break;
    }
    // keep what could be the start of the boundary; hand on the rest
    const safe = buffer.byteLength - delimiter.byteLength + 1;
    if (safe > 0) yield reader.take(safe);
    if (!(await reader.more())) throw malformed('the file part has no closing boundary');
  }
  let trailing = 0;
  while (await reader.more()) {
    trailing += reader.pending.byteLength;
    reader.take(reader.pending.byteLength);
    if (trailing > MAX_TRAILING_BYTES) throw malformed('too much follows the file part');
  }
}
