/**
 * Picks a lake's engine on first use. DuckDB is reached only through a dynamic import, so a lake that
 * never uses it never loads it, and a package without `@duckdb/node-api` installed works unchanged.
 * Browser entries must not import this file: they build their context without an engine (TypeScript).
 */
import { BucketkitError, bkError } from '../../errors.js';
import { type EngineChoice, type LakeEngine, TYPESCRIPT_ENGINE } from './engine.js';

const CHOICES: readonly EngineChoice[] = ['auto', 'typescript', 'duckdb'];

/** The engine of an open lake, loaded once, and its release. */
export interface EngineHandle {
  get(): Promise<LakeEngine>;
  close(): Promise<void>;
}

/**
 * A lazy engine for `choice`: `typescript` always; `duckdb` or an `Unsupported` error naming the
 * package to install; `auto` DuckDB when it loads, else TypeScript.
 *
 * @example
 * ```ts
 * const engine = engineHandle('auto');
 * (await engine.get()).name; // 'duckdb' when @duckdb/node-api is installed
 * ```
 */
export function engineHandle(choice: EngineChoice = 'auto'): EngineHandle {
  if (!CHOICES.includes(choice)) {
    throw bkError('InvalidArgument', `engine must be one of ${CHOICES.join(', ')}, not ${String(choice)}`);
  }
  let pending: Promise<LakeEngine> | undefined;
  return {
    get: () => {
      pending ??= load(choice);
      return pending;
    },
    close: async () => {
      const engine = await pending?.catch(() => undefined);
      pending = undefined;
      await engine?.close?.();
    },
  };
}

async function load(choice: EngineChoice): Promise<LakeEngine> {
  if (choice === 'typescript') return TYPESCRIPT_ENGINE;
  try {
    const { openDuckdbEngine } = await import('./duckdb/engine.js');
    return await openDuckdbEngine();
  } catch (err) {
    if (choice === 'auto' && BucketkitError.is(err, 'Unsupported')) return TYPESCRIPT_ENGINE;
    throw err;
  }
}
