/** What every `bucketkit db` command gets, and the helpers they share. */
import type { Database, Resource } from '../db/index.js';
import { out, UsageError } from './output.js';

export type Values = {
  url?: string;
  json?: boolean;
  where?: string[];
  filter?: string;
  partition?: string;
  limit?: string;
  format?: string;
  upsert?: boolean;
  concurrency?: string;
  http?: boolean;
  port?: string;
  host?: string;
  'read-only'?: boolean;
  to?: string;
  progress?: boolean;
  'no-progress'?: boolean;
};

export interface Context {
  db: Database;
  args: string[];
  values: Values;
}

export function need(args: string[], count: number, usage: string): string[] {
  if (args.length < count) throw new UsageError(`db ${usage}`);
  if (args.length > count) throw new UsageError(`db ${usage} (unexpected "${args[count]}")`);
  return args;
}

export function resourceOf(db: Database, name: string | undefined): Resource {
  if (!name) throw new UsageError('db: name a resource (bucketkit db resources lists them)');
  return db.resource(name);
}

export function print(values: Values, json: unknown, text: () => string): void {
  out(values.json ? JSON.stringify(json) : text());
}
