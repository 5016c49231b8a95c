// Jest's lifecycle hooks, read from the globals at call time: testkit is compiled without Jest's types.
type HookFn = () => Promise<void> | void;

export interface JestLifecycle {
  beforeAll(fn: HookFn, timeout?: number): void;
  beforeEach(fn: HookFn, timeout?: number): void;
  afterAll(fn: HookFn, timeout?: number): void;
}

/** Jest's hooks; `helper` names the caller in the error thrown outside a Jest test file. */
export function jestLifecycle(helper: string): JestLifecycle {
  const g = globalThis as Partial<JestLifecycle>;
  if (typeof g.beforeAll !== 'function' || typeof g.beforeEach !== 'function' || typeof g.afterAll !== 'function') {
    throw new Error(`${helper} registers Jest hooks: call it at the top level of a Jest test file`);
  }
  return g as JestLifecycle;
}
