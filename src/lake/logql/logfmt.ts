/** A logfmt line (`key=value key2="quoted value" flag`) as label pairs, or null when it is not logfmt. */
import { sanitiseLabel } from './pipeline.js';

/**
 * Parses logfmt.
 *
 * @example
 * ```ts
 * parseLogfmt('level=info msg="user logged in" took=12ms'); // [['level','info'],['msg','user logged in'],['took','12ms']]
 * ```
 */
export function parseLogfmt(line: string): [string, string][] | null {
  const out: [string, string][] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line.charCodeAt(i) > 32 && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (key === '') return null;
    if (line[i] !== '=') {
      if (line[i] === '"') return null;
      out.push([sanitiseLabel(key), '']);
      continue;
    }
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return null;
    } else {
      const start = i;
      while (i < n && line.charCodeAt(i) > 32) i++;
      value = line.slice(start, i);
    }
    out.push([sanitiseLabel(key), value]);
  }
  return out;
}
