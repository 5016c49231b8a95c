import { idempotencyError, invalidRequest, type ApiError } from './errors';
import type { Answer } from './api';

/** What a request is, for comparing a retry with the request that first used its key. */
export interface Fingerprint {
  method: string;
  path: string;
  params: string;
}

interface Entry {
  fingerprint: Fingerprint;
  /** Set once the first request finished with a result worth keeping. */
  answer?: Answer;
}

export type Admission =
  | { kind: 'execute'; finish: (answer: Answer, keep: boolean) => void }
  | { kind: 'replay'; answer: Answer }
  | { kind: 'reject'; error: ApiError };

/**
 * Stripe's v1 idempotency: the first request's status and body are kept per key and replayed to
 * retries with the same parameters; other parameters are an `idempotency_error`; a retry that
 * arrives while the first is still running is a 409 and keeps nothing. Results are kept only
 * once the endpoint began its work, so a request that failed validation can be retried (fixed)
 * under the same key. Keys are scoped per API key. Stripe prunes keys after 24 hours; a test
 * server's lifetime is shorter, so nothing is pruned.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  admit(apiKey: string, key: string, fingerprint: Fingerprint): Admission {
    if (key.length > 255) {
      return {
        kind: 'reject',
        error: invalidRequest(`The Idempotency-Key header is too long: at most 255 characters are allowed, got ${key.length}.`),
      };
    }
    const scope = `${apiKey}\u0000${key}`;
    const entry = this.entries.get(scope);
    if (!entry) {
      const created: Entry = { fingerprint };
      this.entries.set(scope, created);
      return {
        kind: 'execute',
        finish: (answer, keep) => {
          if (keep) created.answer = answer;
          else this.entries.delete(scope);
        },
      };
    }
    const first = entry.fingerprint;
    if (first.method !== fingerprint.method || first.path !== fingerprint.path) {
      return {
        kind: 'reject',
        error: idempotencyError(
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${first.method} ${first.path}' vs '${fingerprint.method} ${fingerprint.path}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        ),
      };
    }
    if (first.params !== fingerprint.params) {
      return {
        kind: 'reject',
        error: idempotencyError(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        ),
      };
    }
    if (!entry.answer) {
      return {
        kind: 'reject',
        error: invalidRequest(
          `There is currently another in-progress request using this idempotency key (that probably means you submitted twice, and the other request is still going through): '${key}'. Please try again later.`,
          { code: 'idempotency_key_in_use' },
          409,
        ),
      };
    }
    return { kind: 'replay', answer: entry.answer };
  }

  clear(): void {
    this.entries.clear();
  }
}
