import { readFile } from 'node:fs/promises';
import { bkError } from '../../errors.js';

/**
 * A user of the gateway: a canonical id (shown as `Owner/ID`), a display name, an optional e-mail
 * (for grants by e-mail) and access keys.
 *
 * @example
 * ```ts
 * const alice: GatewayUser = { id: 'alice', displayName: 'Alice', keys: [{ accessKeyId: 'AKALICE', secretAccessKey: 's' }] };
 * ```
 */
export interface GatewayUser {
  id: string;
  displayName?: string;
  email?: string;
  keys: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>;
}

/** Who made a request: a user, or anonymous (undefined user). */
export interface Caller {
  user: GatewayUser | undefined;
}

/** The users as request handling looks them up. */
export interface Directory {
  /** The user owning an access key. */
  byKey(accessKeyId: string): GatewayUser | undefined;
  byId(id: string): GatewayUser | undefined;
  byEmail(email: string): GatewayUser | undefined;
  /** The secret of an access key (for signature checks). */
  secretFor(accessKeyId: string): string | undefined;
  /** Owner of buckets that have no recorded owner (the first user). */
  admin: GatewayUser;
}

const ID = /^[A-Za-z0-9._@+=-]{1,128}$/;

/**
 * Indexes users by key, id and e-mail, refusing duplicates.
 *
 * @example
 * ```ts
 * const users = directory([alice, bob]);
 * users.byKey('AKALICE')?.id; // 'alice'
 * ```
 */
export function directory(users: readonly GatewayUser[]): Directory {
  if (users.length === 0) throw new TypeError('users: give at least one user');
  const keys = new Map<string, [GatewayUser, string]>();
  const ids = new Map<string, GatewayUser>();
  const emails = new Map<string, GatewayUser>();
  for (const user of users) {
    if (!ID.test(user.id))
      throw new TypeError(`user id "${user.id}" may hold letters, digits and . _ @ + = - only`);
    if (ids.has(user.id)) throw new TypeError(`user id "${user.id}" appears twice`);
    ids.set(user.id, user);
    if (user.email) {
      const email = user.email.toLowerCase();
      if (emails.has(email)) throw new TypeError(`e-mail "${user.email}" belongs to two users`);
      emails.set(email, user);
    }
    for (const key of user.keys) {
      if (keys.has(key.accessKeyId))
        throw new TypeError(`access key "${key.accessKeyId}" belongs to two users`);
      keys.set(key.accessKeyId, [user, key.secretAccessKey]);
    }
  }
  return {
    byKey: (id) => keys.get(id)?.[0],
    byId: (id) => ids.get(id),
    byEmail: (email) => emails.get(email.toLowerCase()),
    secretFor: (id) => keys.get(id)?.[1],
    admin: users[0]!,
  };
}

/** The name a user is shown under. */
export const displayName = (user: GatewayUser): string => user.displayName ?? user.id;

/**
 * An `Owner` / `Initiator` element for a user id: the user's display name when the gateway knows them,
 * else the id itself.
 *
 * @example
 * ```ts
 * ownerElement(ctx.users, 'alice'); // { ID: 'alice', DisplayName: 'Alice' }
 * ```
 */
export function ownerElement(users: Directory | undefined, id: string): { ID: string; DisplayName: string } {
  const user = users?.byId(id);
  return { ID: id, DisplayName: user ? displayName(user) : id };
}

/**
 * Reads users from a JSON file: `{ "users": [{ "id", "displayName", "email", "keys": [{ "accessKeyId",
 * "secretAccessKey" }] }] }` (the first user owns buckets that have no recorded owner).
 *
 * @example
 * ```ts
 * createGateway({ ...options, users: await loadUsers('./users.json') });
 * ```
 */
export async function loadUsers(path: string): Promise<GatewayUser[]> {
  const bad = (why: string) =>
    bkError(
      'InvalidArgument',
      `${path}: ${why}; want { "users": [{ "id": "alice", "displayName": "Alice", "email": "a@example.com", "keys": [{ "accessKeyId": "...", "secretAccessKey": "..." }] }] }`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw bad(err instanceof SyntaxError ? 'not JSON' : `cannot read it (${(err as Error).message})`);
  }
  const list = (parsed as { users?: unknown })?.users;
  if (!Array.isArray(list) || list.length === 0) throw bad('no "users" list');
  return list.map((raw, i) => {
    const u = raw as Record<string, unknown>;
    const keys = u.keys;
    const text = (v: unknown) => typeof v === 'string' && v.length > 0;
    if (!text(u.id)) throw bad(`user ${i} has no "id"`);
    if (!Array.isArray(keys) || !keys.every((k) => text(k?.accessKeyId) && text(k?.secretAccessKey))) {
      throw bad(`user "${u.id}" needs "keys": [{ "accessKeyId", "secretAccessKey" }]`);
    }
    return {
      id: u.id as string,
      ...(text(u.displayName) ? { displayName: u.displayName as string } : {}),
      ...(text(u.email) ? { email: u.email as string } : {}),
      keys: keys.map((k) => ({
        accessKeyId: k.accessKeyId as string,
        secretAccessKey: k.secretAccessKey as string,
      })),
    };
  });
}
