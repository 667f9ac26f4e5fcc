import { s3Error } from './s3-errors.js';

/** The namespace S3 puts on its response documents. */
export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A node of an XML document to write: an element with children, or text when `value` is a string. */
export type XmlValue = string | number | boolean | Date | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [element: string]: XmlValue;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Escapes text for an XML element or attribute. Characters XML 1.0 cannot carry (NUL and most C0
 * controls) are written as character references, which S3 clients decode.
 *
 * @example
 * ```ts
 * escapeXml('a<b & "c"'); // 'a&lt;b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
  return text.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    return ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16)};`;
  });
}

function writeValue(name: string, value: XmlValue, out: string[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) writeValue(name, item, out);
    return;
  }
  if (value instanceof Date) {
    out.push(`<${name}>${value.toISOString()}</${name}>`);
  } else if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [child, inner] of Object.entries(value)) writeValue(child, inner, out);
    out.push(`</${name}>`);
  } else {
    out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
  }
}

/**
 * Writes one S3 response document. Arrays repeat their element; `undefined` leaves it out.
 *
 * @example
 * ```ts
 * toXml('ListAllMyBucketsResult', { Buckets: { Bucket: [{ Name: 'a' }] } });
 * ```
 */
export function toXml(root: string, body: XmlNode, namespace: string | null = S3_NS): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(namespace ? `<${root} xmlns="${namespace}">` : `<${root}>`);
  for (const [name, value] of Object.entries(body)) writeValue(name, value, out);
  out.push(`</${root}>`);
  return out.join('');
}

/** A parsed element: its local name (namespace prefix dropped), child elements and text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** The children of `element` named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** The text of the first child named `name`, or undefined. */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((c) => c.name === name)?.text;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const SPACE = /\s*/y;
const END_TAG = /\s*>/y;

/** Matches a sticky regex at `at`, without copying the rest of the document. */
function matchAt(regex: RegExp, source: string, at: number): string | undefined {
  regex.lastIndex = at;
  return regex.exec(source)?.[0];
}
const MAX_DEPTH = 16;

function malformed(why: string): Error {
  return s3Error('MalformedXML', 400, `The XML you provided was not well-formed: ${why}`);
}

function decodeText(raw: string): string {
  return raw.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);|&/g,
    (match, ref: string | undefined) => {
      if (ref === undefined) throw malformed('a bare "&"');
      if (ref.startsWith('#')) {
        const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
        if (!Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          throw malformed(`character reference ${match}`);
        }
        return String.fromCodePoint(code);
      }
      return ESCAPES_BACK[ref]!;
    },
  );
}

const ESCAPES_BACK: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A small, strict XML parser for the few request bodies S3 takes (Delete, CompleteMultipartUpload,
 * CreateBucketConfiguration). No DTDs, no entities beyond the five predefined ones and character
 * references, no processing beyond the declaration: anything else is `MalformedXML`.
 *
 * @example
 * ```ts
 * const root = parseXml('<Delete><Object><Key>a</Key></Object></Delete>');
 * childrenNamed(root, 'Object').length; // 1
 * ```
 */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const skipMisc = () => {
    for (;;) {
      at += matchAt(SPACE, source, at)?.length ?? 0;
      if (source.startsWith('<?', at)) {
        const end = source.indexOf('?>', at);
        if (end < 0) throw malformed('an unterminated declaration');
        at = end + 2;
      } else if (source.startsWith('<!--', at)) {
        const end = source.indexOf('-->', at + 4);
        if (end < 0) throw malformed('an unterminated comment');
        at = end + 3;
      } else {
        return;
      }
    }
  };
  const element = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) throw malformed('elements nested too deeply');
    if (source[at] !== '<') throw malformed(`expected an element at offset ${at}`);
    at++;
    const name = matchAt(NAME, source, at);
    if (!name || name.length > 255) throw malformed(`a bad element name at offset ${at}`);
    at += name.length;
    // attributes (xmlns and the like) are read past and ignored
    const close = source.indexOf('>', at);
    if (close < 0) throw malformed('an unterminated start tag');
    const attributes = source.slice(at, close);
    if (/[<&]/.test(attributes.replace(/"[^"]*"|'[^']*'/g, ''))) throw malformed('a bad start tag');
    at = close + 1;
    const node: XmlElement = { name: name.slice(name.indexOf(':') + 1), children: [], text: '' };
    if (attributes.endsWith('/')) return node;
    let text = '';
    for (;;) {
      const next = source.indexOf('<', at);
      if (next < 0) throw malformed(`<${name}> is never closed`);
      text += source.slice(at, next);
      at = next;
      if (source.startsWith(`</${name}`, at)) {
        at += name.length + 2;
        const end = matchAt(END_TAG, source, at);
        if (end === undefined) throw malformed(`a bad end tag for <${name}>`);
        at += end.length;
        node.text = decodeText(text);
        return node;
      }
      if (source.startsWith('</', at)) throw malformed(`mismatched end tag at offset ${at}`);
      if (source.startsWith('<!--', at)) {
        const end = source.indexOf('-->', at + 4);
        if (end < 0) throw malformed('an unterminated comment');
        at = end + 3;
      } else if (source.startsWith('<![CDATA[', at)) {
        const end = source.indexOf(']]>', at);
        if (end < 0) throw malformed('an unterminated CDATA section');
        text += source
          .slice(at + 9, end)
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;');
        at = end + 3;
      } else if (source.startsWith('<!', at) || source.startsWith('<?', at)) {
        throw malformed('DTDs and processing instructions are not accepted');
      } else {
        node.children.push(element(depth + 1));
      }
    }
  };
  skipMisc();
  if (source.startsWith('<!', at)) throw malformed('DTDs are not accepted');
  const root = element(0);
  skipMisc();
  if (at !== source.length) throw malformed('content after the root element');
  return root;
}
