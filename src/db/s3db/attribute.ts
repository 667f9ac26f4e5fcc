/**
 * One stored attribute value of an s3db.js record back to what s3db.js's `get()` returns, by the
 * attribute's definition string: its own types first (bytes, compressed text, compact formats, money,
 * geo...), then the type-aware layer every resource has (numbers, booleans, dates, arrays, JSON), then
 * secrets decrypted.
 */
import { BucketkitError, bkError } from '../../errors.js';
import { decodeS3dbBytes, decompressS3dbText, isBytesType } from './binary.js';
import { decodeS3dbFormat } from './formats.js';
import { decryptS3dbSecret } from './secrets.js';
import { decodeS3dbType, NOT_MINE } from './types.js';
import { decodeTyped } from './values.js';

const isText = (definition: string) => definition === 'text' || definition.startsWith('text|');
// `compress:false`, `compress:0` (or any number reading 0) turn the compression of a text attribute off
const compresses = (definition: string) => {
  const option = /compress:(\w+)/.exec(definition)?.[1];
  return (
    option === undefined || (option !== 'false' && (option === 'true' || Number.parseInt(option, 10) !== 0))
  );
};

/** s3db.js reads a stored `{...}` / `[...]` as JSON before its type's own step, whatever the type. */
function asJson(text: string): unknown {
  if (text === '[object Object]') return {};
  if (!text.startsWith('{') && !text.startsWith('[')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function decodeText(value: unknown): Promise<unknown> {
  const parsed = typeof value === 'string' ? asJson(value) : value;
  if (typeof parsed !== 'string') return parsed;
  // s3db.js applies its read step twice (once per attribute, once over the record): so does this
  const once = await decompressS3dbText(parsed);
  return once === parsed ? once : decompressS3dbText(once);
}

async function decodeValue(
  value: unknown,
  definition: string | undefined,
  passphrase: string,
): Promise<unknown> {
  if (definition === undefined) return decodeTyped(value, definition);
  if (isBytesType(definition))
    return value === undefined || value === null ? value : decodeS3dbBytes(value, definition);
  if (isText(definition) && compresses(definition)) return decodeText(value);
  // secrets (`secretNumber` too) are decrypted as they are stored: no other step of s3db.js applies
  let decoded: unknown = definition.startsWith('secret') ? value : NOT_MINE;
  if (decoded === NOT_MINE && typeof value === 'string') {
    decoded = decodeS3dbFormat(value, definition);
    if (decoded === NOT_MINE) decoded = decodeS3dbType(value, definition);
  }
  if (decoded === NOT_MINE) decoded = decodeTyped(value, definition);
  if (definition.startsWith('secret') && typeof decoded === 'string' && decoded !== '') {
    const plain = await decryptS3dbSecret(decoded, passphrase);
    // s3db.js encrypts a missing secret as the words null/undefined
    decoded = plain === 'null' ? null : plain === 'undefined' ? undefined : plain;
  }
  return decoded;
}

/**
 * Decodes one attribute of record `where` (`resource/id`). A value s3db.js could not have stored for
 * the type is `Corrupt`, naming the record, the attribute and its type.
 *
 * @example
 * ```ts
 * await decodeS3dbAttribute('AAEC', 'buffer', 'secret', 'files/a', 'data'); // Uint8Array [0, 1, 2]
 * ```
 */
export async function decodeS3dbAttribute(
  value: unknown,
  definition: string | undefined,
  passphrase: string,
  where: string,
  path: string,
): Promise<unknown> {
  try {
    return await decodeValue(value, definition, passphrase);
  } catch (error) {
    if (!BucketkitError.is(error, 'Corrupt')) throw error;
    const why = error.message.replace(/^Corrupt: /, '');
    throw bkError('Corrupt', `s3db.js record "${where}", attribute "${path}" (${definition}): ${why}`, {
      cause: error,
      details: { ...error.details, record: where, attribute: path, definition: definition ?? null },
    });
  }
}
