/**
 * Picks a lake's engine on first use. DuckDB is reached only through a dynamic import, so a lake that
 * never uses it never loads it, and a package without `@duckdb/node-api` installed works unchanged.
 * Browser entries must not import this file: they build their context without an engine (TypeScript).
 */
import { BucketkitError, bkError } from '../../errors.js';
import { type EngineChoice, type EngineOption, type LakeEngine, TYPESCRIPT_ENGINE } from './engine.js';

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

const processEngines = new Map<EngineChoice, EngineHandle>();

/**
 * The engine an `engine` option names: a choice is served by one engine per choice for the whole process
 * (opened on first use, kept until the process exits, when the DuckDB engine removes its temporary
 * folder), so callers outside a lake share one DuckDB instead of opening one per call; an engine or a
 * lake's getter is used as given. Default `auto`: DuckDB when installed, as a lake does.
 *
 * @example
 * ```ts
 * const engine = await resolveEngine(options.engine); // DuckDB when @duckdb/node-api is installed
 * ```
 */
export async function resolveEngine(option: EngineOption = 'auto'): Promise<LakeEngine> {
  if (typeof option === 'function') return option();
  if (typeof option !== 'string') return option;
  let handle = processEngines.get(option);
  if (!handle) {
    handle = engineHandle(option);
    processEngines.set(option, handle);
  }
  try {
    return await handle.get();
  } catch (err) {
    processEngines.delete(option); // a later call tries again (the package may be installed by then)
    throw err;
  }
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
