/**
 * What OTLP JSON logs and metrics files share: the file holds one request per line or one pretty-printed
 * request, and a request is a list of `Resource*` objects, each a resource and a list of scope objects
 * (under the current or the deprecated `instrumentationLibrary*` name). The signal-specific parts read the
 * items inside each scope.
 */
import { type BucketkitError, throwIfAborted } from '../../errors.js';
import { toDecodedRecord } from '../otlp/any-value.js';
import type { DecodedValue } from './decoded.js';
import { textLines } from './lines.js';
import type { JsonReader } from './otlp-logs-json.js';

type Json = { [key: string]: unknown };

/**
 * The parsed requests of a file: one per line, or the whole file as one request when its first line is not
 * JSON on its own. Anything else (a damaged line after good ones, a file that is neither) is `fail`'s error.
 *
 * @example
 * ```ts
 * for await (const request of jsonRequests(chunks, { maxBytes, fail })) yield* decode(request);
 * ```
 */
export async function* jsonRequests(
  chunks: AsyncIterable<Uint8Array>,
  options: { maxBytes: number; fail: (what: string) => BucketkitError; signal?: AbortSignal | undefined },
): AsyncGenerator<unknown> {
  const { maxBytes: max, fail } = options;
  const tooLong = (bytes: number) => {
    throw fail(`a request of ${bytes} bytes is larger than the ${max}-byte limit`);
  };
  let document: string[] | undefined; // set when the file is one request spread over several lines
  let documentBytes = 0;
  let lineNumber = 0;
  let requests = 0;
  for await (const line of textLines(chunks, { maxLineBytes: max, onTooLong: tooLong })) {
    throwIfAborted(options.signal);
    lineNumber++;
    if (document) {
      document.push(line);
      documentBytes += line.length + 1;
      if (documentBytes > max) tooLong(documentBytes);
      continue;
    }
    if (line.trim() === '') continue;
    const request = parse(line);
    if (request === undefined) {
      if (requests > 0) throw fail(`line ${lineNumber} is not JSON (truncated or damaged)`);
      document = [line];
      documentBytes = line.length + 1;
      continue;
    }
    requests++;
    yield request;
  }
  if (document) {
    const request = parse(document.join('\n'));
    if (request === undefined) throw fail('the file is neither JSON lines nor one JSON document');
    yield request;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One signal's JSON names: `[camelCase, proto_name]` pairs and the messages' names for errors. */
export interface OtlpJsonSignalNames {
  readonly resources: readonly [string, string];
  readonly resource: string;
  readonly scopes: readonly [string, string];
  readonly deprecatedScopes: readonly [string, string];
  readonly scope: string;
}

/** One scope object of a request, with its resource's attributes and its `InstrumentationScope` object. */
export interface JsonScopeItem {
  readonly resource: Record<string, DecodedValue>;
  readonly scopeJson: Json | undefined;
  readonly items: Json;
}

/**
 * Each scope object (`ScopeLogs`, `ScopeMetrics`, …) of a parsed request, in order, with its resource.
 *
 * @example
 * ```ts
 * for (const { resource, scopeJson, items } of jsonScopes(reader, request, LOG_NAMES)) read(items);
 * ```
 */
export function* jsonScopes(
  reader: JsonReader,
  request: unknown,
  names: OtlpJsonSignalNames,
): Generator<JsonScopeItem> {
  const root = reader.object(request, 'the request');
  for (const resourceItem of reader.array(root, ...names.resources)) {
    const rl = reader.object(resourceItem, names.resource);
    const resourceJson = reader.optionalObject(rl, 'resource', 'resource');
    const resource = toDecodedRecord(resourceJson ? reader.keyValues(resourceJson) : new Map());
    const scopeLists = [...reader.array(rl, ...names.scopes), ...reader.array(rl, ...names.deprecatedScopes)];
    for (const scopeItem of scopeLists) {
      const items = reader.object(scopeItem, names.scope);
      const scopeJson =
        reader.optionalObject(items, 'scope', 'scope') ??
        reader.optionalObject(items, 'instrumentationLibrary', 'instrumentation_library');
      yield { resource, scopeJson, items };
    }
  }
}
