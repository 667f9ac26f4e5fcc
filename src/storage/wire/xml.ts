import { bkError } from '../../errors.js';

/** An XML element: its local name (namespace prefix dropped), child elements and text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * A small strict parser for the XML S3 answers with (ListBucketResult, Error): elements, attributes
 * (skipped), text, entities, CDATA, comments and the XML declaration. DTDs are refused (no entity
 * expansion from untrusted bytes). Anything malformed throws `Corrupt`; every step consumes input, so
 * no input makes it loop.
 *
 * @example
 * ```ts
 * const root = parseXml('<Error><Code>NoSuchKey</Code></Error>');
 * childText(root, 'Code'); // 'NoSuchKey'
 * ```
 */
export function parseXml(xml: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text);
      else if (text.trim() !== '') corrupt('text outside the root element');
    }
    if (lt === -1) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x2f /* / */) {
      const end = after(xml, '>', lt + 2);
      const open = stack.pop();
      if (!open || !closes(xml, lt + 2, end - 1, open.name))
        corrupt(`closing tag does not match <${open?.name}>`);
      i = end;
    } else if (next === 0x3f /* ? */) {
      i = after(xml, '?>', lt + 2);
    } else if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        i = after(xml, '-->', lt + 4);
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = after(xml, ']]>', lt + 9);
        const top = stack[stack.length - 1];
        if (!top) corrupt('CDATA outside the root element');
        top.text += xml.slice(lt + 9, end - 3);
        i = end;
      } else {
        corrupt('declarations (DOCTYPE) are not accepted');
      }
    } else {
      i = openTag(xml, lt, stack, (element) => {
        if (root) corrupt('more than one root element');
        root = element;
      });
    }
  }
  if (stack.length > 0) corrupt(`element <${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) corrupt('no root element');
  return root;
}

/** Reads `<name attr="...">` or `<name/>` at `lt`; returns the index after it. */
function openTag(xml: string, lt: number, stack: XmlElement[], onRoot: (e: XmlElement) => void): number {
  let j = lt + 1;
  const n = xml.length;
  while (j < n && !isNameEnd(xml.charCodeAt(j))) j++;
  const name = localName(xml.slice(lt + 1, j));
  if (name === '') corrupt('an element without a name');
  let quote = 0;
  for (; j < n; j++) {
    const c = xml.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e /* > */) {
      break;
    } else if (c === 0x3c /* < */) {
      corrupt(`"<" inside the tag <${name}>`);
    }
  }
  if (j >= n) corrupt(`the tag <${name}> is not closed`);
  const element: XmlElement = { name, children: [], text: '' };
  const parent = stack[stack.length - 1];
  if (parent) parent.children.push(element);
  else onRoot(element);
  if (xml.charCodeAt(j - 1) !== 0x2f /* / */) stack.push(element);
  return j + 1;
}

function isNameEnd(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e || c === 0x3c;
}

/** Whether `xml[from..to)` (trimmed, prefix dropped) is `name`, without slicing in the common case. */
function closes(xml: string, from: number, to: number, name: string): boolean {
  if (to - from === name.length && xml.startsWith(name, from)) return true;
  return localName(xml.slice(from, to).trim()) === name;
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

function after(xml: string, token: string, from: number): number {
  const at = xml.indexOf(token, from);
  if (at === -1) corrupt(`unterminated markup (no "${token}")`);
  return at + token.length;
}

/** Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xHH;`. */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1 || semi - amp > 10) corrupt('an "&" that starts no entity');
    out += text.slice(from, amp) + entity(text.slice(amp + 1, semi));
    from = semi + 1;
    amp = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

function entity(body: string): string {
  const named = ENTITIES.get(body);
  if (named !== undefined) return named;
  const code = /^#x[0-9a-fA-F]{1,6}$/.test(body)
    ? Number.parseInt(body.slice(2), 16)
    : /^#[0-9]{1,7}$/.test(body)
      ? Number.parseInt(body.slice(1), 10)
      : -1;
  if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) corrupt(`unknown entity &${body};`);
  return String.fromCodePoint(code);
}

/** The text of the first child named `name`, or undefined. */
export function childText(element: XmlElement, name: string): string | undefined {
  for (const child of element.children) if (child.name === name) return child.text;
  return undefined;
}

function corrupt(why: string): never {
  throw bkError('Corrupt', `the S3 server sent malformed XML: ${why}`);
}
