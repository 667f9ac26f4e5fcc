/**
 * A streaming RFC 4180 CSV parser: quoted fields, doubled quotes, newlines inside quotes, CRLF. It holds
 * one record at a time; a field longer than `maxFieldChars` makes its record bad (skipped, reported)
 * instead of growing without bound.
 */

/** A record the parser had to give up on. */
export interface CsvBadRecord {
  readonly bad: string;
}

export interface CsvParseOptions {
  /** Longest field kept, in characters (default 8 Mi). */
  maxFieldChars?: number;
  /** Most fields in one record (default 10 000). */
  maxFields?: number;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Yields each record's fields, or a `CsvBadRecord` for a record that broke a limit or ended inside quotes.
 *
 * @example
 * ```ts
 * for await (const record of csvRecords(chunks)) if (!('bad' in record)) console.log(record);
 * ```
 */
export async function* csvRecords(
  source: AsyncIterable<Uint8Array>,
  options: CsvParseOptions = {},
): AsyncGenerator<string[] | CsvBadRecord> {
  const maxField = options.maxFieldChars ?? 8 * 1024 * 1024;
  const maxFields = options.maxFields ?? 10_000;
  // the byte order mark is dropped here, once: Node 24's streaming decoder also drops a U+FEFF that follows
  // it when the mark's bytes arrive split between chunks
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let atFileStart = true;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteInQuotes = false; // saw `"` inside quotes: either an escaped quote or the closing one
  let atFieldStart = true;
  let bad: string | undefined;
  let lastWasCr = false;
  const out: (string[] | CsvBadRecord)[] = [];

  const endField = () => {
    if (fields.length >= maxFields) bad ??= `more than ${maxFields} fields`;
    else if (bad === undefined) fields.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRecord = () => {
    endField();
    if (bad !== undefined) out.push({ bad });
    else if (!(fields.length === 1 && fields[0] === '')) out.push(fields);
    fields = [];
    bad = undefined;
  };
  const append = (text: string) => {
    if (bad !== undefined) return;
    if (field.length + text.length > maxField) {
      bad = `a field longer than ${maxField} characters`;
      field = '';
    } else field += text;
  };

  const feed = (decoded: string) => {
    let text = decoded;
    if (atFileStart && text.length > 0) {
      atFileStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (quoteInQuotes) {
        quoteInQuotes = false;
        if (c === QUOTE) {
          append('"');
          i++;
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        const next = text.indexOf('"', i);
        if (next === -1) {
          append(text.slice(i));
          return;
        }
        append(text.slice(i, next));
        quoteInQuotes = true;
        i = next + 1;
        continue;
      }
      if (c === LF) {
        if (!lastWasCr) endRecord();
        lastWasCr = false;
        i++;
        continue;
      }
      lastWasCr = false;
      if (c === CR) {
        endRecord();
        lastWasCr = true;
        i++;
      } else if (c === COMMA) {
        endField();
        i++;
      } else if (c === QUOTE && atFieldStart) {
        inQuotes = true;
        atFieldStart = false;
        i++;
      } else {
        let j = i;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR) break;
          j++;
        }
        append(text.slice(i, j));
        atFieldStart = false;
        i = j;
      }
    }
  };

  for await (const chunk of source) {
    feed(decoder.decode(chunk, { stream: true }));
    yield* out.splice(0);
  }
  feed(decoder.decode());
  if (inQuotes && !quoteInQuotes) {
    yield* out.splice(0);
    yield { bad: 'the file ends inside a quoted field' };
    return;
  }
  inQuotes = false;
  quoteInQuotes = false;
  if (field !== '' || fields.length > 0 || bad !== undefined) endRecord();
  yield* out.splice(0);
}
