import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { bkError } from '../../errors.js';
import type { EncryptionOptions } from './keyring.js';

/**
 * Reads the gateway's master keys from a JSON file — `{ "active": "k1", "keys": { "k1": "<base64 of 32
 * bytes>" } }` — creating it with one fresh key (mode 0600) when it does not exist yet. Rotate by adding
 * a key and naming it `active`; keep the old ones, objects name the key that wrapped their data key.
 *
 * @example
 * ```ts
 * createGateway({ ...options, encryption: await loadEncryptionKeys('./keys.json') });
 * ```
 */
export async function loadEncryptionKeys(path: string): Promise<EncryptionOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    text = `${JSON.stringify({ active: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2)}\n`;
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  }
  const bad = (why: string) =>
    bkError(
      'InvalidArgument',
      `${path}: ${why}; want { "active": "id", "keys": { "id": "<base64 of 32 bytes>" } }`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const { active, keys } = (parsed ?? {}) as { active?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw bad('no "keys" object');
  const decoded: Record<string, Uint8Array> = {};
  for (const [id, value] of Object.entries(keys)) {
    const raw = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
    if (raw?.byteLength !== 32) throw bad(`key "${id}" is not base64 of 32 bytes`);
    decoded[id] = new Uint8Array(raw);
  }
  if (active !== undefined && (typeof active !== 'string' || !(active in decoded))) {
    throw bad(`"active" must name one of the keys`);
  }
  return { keys: decoded, ...(typeof active === 'string' ? { activeKey: active } : {}) };
}
