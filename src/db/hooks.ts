/**
 * Resource hooks and method middleware. Hooks run in the order they were added; a hook may return a
 * replacement value (or nothing to keep it) and rejects the operation by throwing.
 */

/** The events a hook can listen to. */
export type HookEvent =
  | 'beforeInsert'
  | 'afterInsert'
  | 'beforeUpdate'
  | 'afterUpdate'
  | 'beforeDelete'
  | 'afterDelete'
  | 'beforeGet'
  | 'afterGet';

/** What each hook receives (and may return a replacement of). */
export interface HookPayloads<T> {
  /** The record about to be validated and written. */
  beforeInsert: T;
  afterInsert: T;
  /** The merged record about to be written; `context.previous` is the stored one. */
  beforeUpdate: T;
  afterUpdate: T;
  /** The record about to be deleted; a returned value is ignored. */
  beforeDelete: T;
  afterDelete: T;
  /** The id about to be read; return another `{ id }` to redirect. */
  beforeGet: { id: string };
  afterGet: T;
}

export interface HookContext<T> {
  resource: string;
  event: HookEvent;
  id?: string;
  /** The stored record before an update. */
  previous?: T;
}

export type Hook<T, E extends HookEvent = HookEvent> = (
  data: HookPayloads<T>[E],
  context: HookContext<T>,
) => HookPayloads<T>[E] | undefined | Promise<HookPayloads<T>[E] | undefined>;

/**
 * Hooks given per event at `createResource`: one function or a list, run in order.
 *
 * @example
 * ```ts
 * const hooks: HookSet<Doc<User>> = {
 *   beforeInsert: (user) => ({ ...user, email: user.email.toLowerCase() }),
 *   beforeDelete: (user) => { if (user.admin) throw new Error('admins cannot be deleted'); return undefined; },
 * };
 * ```
 */
export type HookSet<T> = { [E in HookEvent]?: Hook<T, E> | readonly Hook<T, E>[] };

/** The resource methods middleware can wrap. */
export type MiddlewareMethod =
  | 'insert'
  | 'get'
  | 'update'
  | 'replace'
  | 'upsert'
  | 'delete'
  | 'query'
  | 'count'
  | 'exists'
  | 'setContent'
  | 'getContent';

export interface MiddlewareContext {
  resource: string;
  method: MiddlewareMethod;
  /** The call's arguments; a middleware may replace entries before calling `next()`. */
  args: unknown[];
}

/**
 * Wraps a method: call `next()` to run the rest of the chain and the method itself.
 *
 * @example
 * ```ts
 * users.use('get', async (ctx, next) => {
 *   const started = Date.now();
 *   try { return await next(); } finally { metrics.observe(ctx.method, Date.now() - started); }
 * });
 * ```
 */
export type Middleware = (context: MiddlewareContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Hooks and middleware that apply to every resource (a database's, registered by plugins). */
export interface SharedHooks {
  hooksFor(event: HookEvent): readonly unknown[];
  middlewareFor(method: MiddlewareMethod): readonly Middleware[];
}

/** The hook and middleware registry of one resource; the shared ones run first. */
export class HookRegistry<T> implements SharedHooks {
  private readonly hooks = new Map<HookEvent, unknown[]>();
  private readonly middleware = new Map<MiddlewareMethod, Middleware[]>();

  constructor(
    private readonly resource: string,
    private readonly shared?: SharedHooks,
  ) {}

  hooksFor(event: HookEvent): readonly unknown[] {
    return joined(this.shared?.hooksFor(event), this.hooks.get(event));
  }

  middlewareFor(method: MiddlewareMethod): readonly Middleware[] {
    return joined(this.shared?.middlewareFor(method), this.middleware.get(method));
  }

  add<E extends HookEvent>(event: E, hook: Hook<T, E>): () => void {
    const list = this.hooks.get(event) ?? [];
    list.push(hook);
    this.hooks.set(event, list);
    return () => {
      const at = list.indexOf(hook);
      if (at >= 0) list.splice(at, 1);
    };
  }

  async run<E extends HookEvent>(
    event: E,
    data: HookPayloads<T>[E],
    context: Omit<HookContext<T>, 'resource' | 'event'> = {},
  ): Promise<HookPayloads<T>[E]> {
    let value = data;
    for (const hook of this.hooksFor(event) as Hook<T, E>[]) {
      const result = await hook(value, { ...context, resource: this.resource, event });
      if (result !== undefined) value = result;
    }
    return value;
  }

  use(method: MiddlewareMethod, middleware: Middleware): () => void {
    const list = this.middleware.get(method) ?? [];
    list.push(middleware);
    this.middleware.set(method, list);
    return () => {
      const at = list.indexOf(middleware);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs `impl` through the middleware of `method`, outermost first. */
  async call<R>(
    method: MiddlewareMethod,
    args: unknown[],
    impl: (args: unknown[]) => Promise<R>,
  ): Promise<R> {
    const chain = this.middlewareFor(method);
    if (chain.length === 0) return impl(args);
    const context: MiddlewareContext = { resource: this.resource, method, args };
    const step = (i: number): Promise<unknown> =>
      i === chain.length ? impl(context.args) : chain[i]!(context, () => step(i + 1));
    return (await step(0)) as R;
  }
}

const NONE: readonly never[] = [];

/**
 * The shared entries then the own ones, as a copy (a hook may remove itself while the list runs); no
 * allocation in the common case of neither.
 */
function joined<T>(shared: readonly T[] | undefined, own: readonly T[] | undefined): readonly T[] {
  if (!shared?.length && !own?.length) return NONE;
  return [...(shared ?? NONE), ...(own ?? NONE)];
}
