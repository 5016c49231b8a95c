// The contracts between a service's runner and what it runs: lifecycle hooks and readiness checks.

/** Something a service starts before it listens and stops after it stops listening (in reverse order). */
export interface LifecycleHook {
  name: string;
  start: () => void | Promise<void>;
  stop: () => void | Promise<void>;
}

/** One dependency `/readyz` checks. `check` resolves true when ready; false or a throw means not ready. */
export interface ReadinessCheck {
  /** Named in the 503 body, e.g. "database". */
  name: string;
  check: () => boolean | Promise<boolean>;
}
