/**
 * Whether the session `jti` is still active (not signed out, not idle past the timeout). A lookup that
 * fails answers false: a service that cannot ask auth treats the caller as signed out (fail closed).
 */
export type SessionCheck = (jti: string) => Promise<boolean>;

/** A cached check; `forget(jti)` drops its answer (auth does at signout, so its own cache shows it at once). */
export type CachedSessionCheck = SessionCheck & { forget(jti: string): void };

export interface CachedSessionCheckOptions {
  /** How long an "active" answer is reused, in ms. Default 2000: signout takes effect within that. */
  activeTtlMs?: number;
  /** How long an "inactive" answer is reused (an ended session never comes back). Default 60000. */
  inactiveTtlMs?: number;
  /** Most answers kept; the oldest are dropped first. Default 10000. */
  maxEntries?: number;
  /**
   * A lookup that has not answered after this many ms answers false (fail closed) and is not cached,
   * so a session store that hangs (a database down, a driver waiting to select a server) cannot hold
   * requests. Default: no limit.
   */
  lookupTimeoutMs?: number;
  now?: () => number;
}

/**
 * Wraps `lookup` with a small cache and joins concurrent lookups of the same jti into one. Errors are
 * never cached and answer false.
 */
export function cachedSessionCheck(lookup: SessionCheck, options: CachedSessionCheckOptions = {}): CachedSessionCheck {
  const activeTtlMs = options.activeTtlMs ?? 2000;
  const inactiveTtlMs = options.inactiveTtlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const answers = new Map<string, { active: boolean; until: number }>();
  const inFlight = new Map<string, Promise<boolean>>();

  const remember = (jti: string, active: boolean): void => {
    answers.delete(jti);
    answers.set(jti, { active, until: now() + (active ? activeTtlMs : inactiveTtlMs) });
    while (answers.size > maxEntries) answers.delete(answers.keys().next().value as string);
  };

  const check = async (jti: string): Promise<boolean> => {
    const cached = answers.get(jti);
    if (cached && cached.until > now()) return cached.active;
    const pending = inFlight.get(jti);
    if (pending) return pending;
    const asked = withTimeout(lookup(jti), options.lookupTimeoutMs).then(
      (active) => {
        remember(jti, active);
        return active;
      },
      () => false,
    );
    inFlight.set(jti, asked);
    try {
      return await asked;
    } finally {
      inFlight.delete(jti);
    }
  };
  return Object.assign(check, { forget: (jti: string) => void answers.delete(jti) });
}

/** `answer`, or a rejection once `ms` have passed first (no limit without `ms`). */
function withTimeout<T>(answer: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return answer;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`session lookup took longer than ${ms} ms`)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

export interface HttpSessionCheckOptions extends CachedSessionCheckOptions {
  /** Give up on auth after this many ms (and answer false). Default 1500. */
  timeoutMs?: number;
}

/** The path under AUTH_URL that answers `{active: boolean}` for a session id. */
export function sessionStatusPath(jti: string): string {
  return `/api/users/sessions/${encodeURIComponent(jti)}`;
}

/**
 * Asks auth (`GET AUTH_URL/api/users/sessions/:jti` → 200 `{active}`) whether a session is active,
 * cached by `cachedSessionCheck`. Anything but a 200 with `active: true` (a 404, a 5xx, a timeout, auth
 * unreachable) means not active.
 */
export function httpSessionCheck(authUrl: string, options: HttpSessionCheckOptions = {}): SessionCheck {
  const base = authUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 1500;
  return cachedSessionCheck(async (jti) => {
    const response = await fetch(`${base}${sessionStatusPath(jti)}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      if (response.status === 404) return false;
      throw new Error(`auth answered ${response.status}`);
    }
    const body = (await response.json()) as { active?: unknown };
    return body.active === true;
  }, options);
}
