import { decodeEntities } from './xml.js';

/** The raw texts of one listing entry, as `scanListPage` found them (entities decoded). */
export interface ScannedContents {
  key?: string;
  size?: string;
  etag?: string;
  lastModified?: string;
}

/** What `scanListPage` reads from a ListBucketResult, before keys are URL-decoded and typed. */
export interface ScannedPage {
  contents: ScannedContents[];
  prefixes: (string | undefined)[];
  encodingType?: string;
  isTruncated?: string;
  nextToken?: string;
  nextMarker?: string;
}

/**
 * A fast reader for the listing shape every S3 server sends: `<ListBucketResult>` holding simple text
 * elements, `<Contents>` and `<CommonPrefixes>` (whose children may nest, like `<Owner>`). It builds no
 * element tree, which makes a 1,000-key page several times cheaper in CPU and garbage. Anything outside
 * that shape (comments, CDATA, attributes on inner elements, mixed content, namespace prefixes,
 * trailing bytes, malformed markup) returns `undefined`, and the caller hands the text to the full
 * parser, which decides; so this reader accepts nothing the full parser would refuse or read
 * differently (a property test holds it to that). Bad entities throw `Corrupt`, as they do there.
 *
 * @example
 * ```ts
 * const page = scanListPage('<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>');
 * page?.contents[0]?.key; // 'a'
 * ```
 */
export function scanListPage(xml: string): ScannedPage | undefined {
  const s = new Scanner(xml);
  if (!s.prologue()) return undefined;
  const page: ScannedPage = { contents: [], prefixes: [] };
  for (;;) {
    s.skipSpace();
    if (s.closing('ListBucketResult')) break;
    const name = s.openName();
    if (name === undefined) return undefined;
    if (name === 'Contents') {
      const entry = s.contents();
      if (!entry) return undefined;
      page.contents.push(entry);
    } else if (name === 'CommonPrefixes') {
      const prefix = s.commonPrefix();
      if (prefix === null) return undefined;
      page.prefixes.push(prefix);
    } else {
      const text = s.textOf(name);
      if (text === undefined) return undefined;
      if (name === 'EncodingType') page.encodingType ??= text;
      else if (name === 'IsTruncated') page.isTruncated = text;
      else if (name === 'NextContinuationToken') page.nextToken = text;
      else if (name === 'NextMarker') page.nextMarker = text;
    }
  }
  s.skipSpace();
  return s.atEnd() ? page : undefined;
}

/** The entry fields read: always text-only here, so a field holding markup goes to the full parser. */
const FIELDS = new Set(['Key', 'Size', 'ETag', 'LastModified']);
const FIELD_BY_INITIAL = new Map([...FIELDS].map((name) => [name.charCodeAt(0), name]));

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isNameChar = (c: number) =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/** A cursor over the text; every method consumes input or fails, so no input makes it loop. */
class Scanner {
  i: number;
  constructor(readonly xml: string) {
    this.i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  atEnd(): boolean {
    return this.i === this.xml.length;
  }

  skipSpace(): void {
    while (this.i < this.xml.length && isSpace(this.xml.charCodeAt(this.i))) this.i++;
  }

  /** An optional `<?xml ...?>`, then `<ListBucketResult ...>` with plain attributes. */
  prologue(): boolean {
    const { xml } = this;
    this.skipSpace();
    if (xml.startsWith('<?xml', this.i)) {
      const end = xml.indexOf('?>', this.i);
      if (end === -1 || xml.lastIndexOf('<', end) !== this.i) return false;
      this.i = end + 2;
      this.skipSpace();
    }
    const head = '<ListBucketResult';
    if (!xml.startsWith(head, this.i)) return false;
    const gt = xml.indexOf('>', this.i);
    if (gt === -1) return false;
    const attributes = xml.slice(this.i + head.length, gt);
    // plain `name="value"` attributes only: no quotes that could hide a '>', no self-closing root
    if (attributes !== '' && !/^(\s+[A-Za-z_:][\w:.-]*="[^"<>&]*")+\s*$/.test(attributes)) return false;
    this.i = gt + 1;
    return true;
  }

  /** `</name>` at the cursor: consumed when it is there. */
  closing(name: string): boolean {
    const { xml, i } = this;
    if (
      xml.charCodeAt(i) === 0x3c &&
      xml.charCodeAt(i + 1) === 0x2f &&
      xml.startsWith(name, i + 2) &&
      xml.charCodeAt(i + 2 + name.length) === 0x3e
    ) {
      this.i = i + name.length + 3;
      return true;
    }
    return false;
  }

  /** `<name>` at the cursor (letters, digits, `_`; no attributes): its name, or undefined. */
  openName(): string | undefined {
    const { xml } = this;
    if (xml.charCodeAt(this.i) !== 0x3c) return undefined;
    let j = this.i + 1;
    while (j < xml.length && isNameChar(xml.charCodeAt(j))) j++;
    if (j === this.i + 1 || xml.charCodeAt(j) !== 0x3e) return undefined;
    const name = xml.slice(this.i + 1, j);
    this.i = j + 1;
    return name;
  }

  /** After `<name>`: its text up to `</name>`; undefined when it holds markup. `<name/>` is not read here. */
  textOf(name: string): string | undefined {
    const lt = this.xml.indexOf('<', this.i);
    if (lt === -1) return undefined;
    const raw = this.xml.slice(this.i, lt);
    this.i = lt;
    if (!this.closing(name)) return undefined;
    return decodeEntities(raw);
  }

  /** After `<Contents>`: its fields up to `</Contents>`; nested elements (`<Owner>`) are skipped. */
  contents(): ScannedContents | undefined {
    const entry: ScannedContents = {};
    for (;;) {
      this.skipSpace();
      if (this.closing('Contents')) return entry;
      const name = this.knownField() ?? this.openName();
      if (name === undefined) return undefined;
      if (!FIELDS.has(name) && this.childAhead()) {
        if (!this.skipChildren(name, 1)) return undefined;
        continue;
      }
      const text = this.textOf(name);
      if (text === undefined) return undefined;
      if (name === 'Key') entry.key = text;
      else if (name === 'Size') entry.size = text;
      else if (name === 'ETag') entry.etag = text;
      else if (name === 'LastModified') entry.lastModified = text;
    }
  }

  /** `<Key>`, `<Size>`, `<ETag>` or `<LastModified>` at the cursor: consumed, with its name (no slicing). */
  private knownField(): string | undefined {
    const { xml, i } = this;
    if (xml.charCodeAt(i) !== 0x3c) return undefined;
    const name = FIELD_BY_INITIAL.get(xml.charCodeAt(i + 1));
    if (name === undefined || !xml.startsWith(name, i + 1) || xml.charCodeAt(i + 1 + name.length) !== 0x3e) {
      return undefined;
    }
    this.i = i + name.length + 2;
    return name;
  }

  /** After `<CommonPrefixes>`: the text of its `<Prefix>`; null when it has another shape. */
  commonPrefix(): string | undefined | null {
    let prefix: string | undefined;
    for (;;) {
      this.skipSpace();
      if (this.closing('CommonPrefixes')) return prefix;
      const name = this.openName();
      if (name === undefined) return null;
      const text = this.textOf(name);
      if (text === undefined) return null;
      if (name === 'Prefix' && prefix === undefined) prefix = text;
    }
  }

  /** Whether an opening tag follows (after spaces), without moving. */
  private childAhead(): boolean {
    let j = this.i;
    while (j < this.xml.length && isSpace(this.xml.charCodeAt(j))) j++;
    return this.xml.charCodeAt(j) === 0x3c && this.xml.charCodeAt(j + 1) !== 0x2f;
  }

  /** After `<name>` whose content is elements only: skips them (nested at most 8 deep) and `</name>`. */
  private skipChildren(name: string, depth: number): boolean {
    if (depth > 8) return false;
    for (;;) {
      this.skipSpace();
      if (this.closing(name)) return true;
      const child = this.openName();
      if (child === undefined) return false;
      if (this.childAhead()) {
        if (!this.skipChildren(child, depth + 1)) return false;
      } else if (this.textOf(child) === undefined) {
        return false;
      }
    }
  }
}
