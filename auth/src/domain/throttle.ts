import { BadRequestError } from '@ticketing/common/http';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { ThrottleCounter } from '../models/throttle';
import { TooManyAttemptsError } from './hash-queue';

export interface ThrottleLimits {
  /** Signins and signups one client IP may send per `ipWindowSeconds`. */
  ipAttempts: number;
  ipWindowSeconds: number;
  /** Attempts one client IP may start per second at one replica (in memory: a burst never reaches the database). */
  ipBurstPerSecond: number;
  /** Failures in a row for one email from one client IP before that pair is blocked. */
  accountFailures: number;
  /** How long the pair is blocked, and how long its failures count. */
  accountBlockSeconds: number;
}

/** The defaults of auth's config (THROTTLE_*). */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  ipAttempts: 50,
  ipWindowSeconds: 900,
  ipBurstPerSecond: 10,
  accountFailures: 5,
  accountBlockSeconds: 900,
};

/** Who is asking for which account: the client's IP and the normalised email. */
export interface AttemptKey {
  ip: string;
  email: string;
}

/**
 * The signin and signup throttle, on rate-limiter-flexible's RateLimiterMongo over auth's own database,
 * so every replica counts against the same limits (collection `throttle_counters`):
 * - per IP, first in each replica's memory (`ipBurstPerSecond`), so that hundreds of concurrent requests
 *   from one address cost the database nothing before the shared count below has caught up;
 * - per IP: every attempt is counted before any hashing; beyond `ipAttempts` in the window, 429 until
 *   the window ends (from memory once a replica has seen the IP over its limit);
 * - per IP and email: failures in a row (a wrong password at signin, "Email in use" at signup); after
 *   `accountFailures` of them the pair is blocked for `accountBlockSeconds`, other emails from that IP and
 *   that email from other IPs are not. A successful signin clears the pair's count.
 * Keying the account on the IP too means nobody can lock a user out of their account from elsewhere.
 */
export class SigninThrottle {
  private readonly burst: RateLimiterMemory;
  private readonly perIp: RateLimiterMongo;
  private readonly perAccount: RateLimiterMongo;

  constructor(readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {
    // The indexes come with the model (ThrottleCounter.init()), not from the library at construction.
    const store = { storeClient: ThrottleCounter.db, tableName: ThrottleCounter.collection.collectionName, disableIndexesCreation: true };
    this.burst = new RateLimiterMemory({ keyPrefix: 'burst', points: limits.ipBurstPerSecond, duration: 1 });
    this.perIp = new RateLimiterMongo({
      ...store,
      keyPrefix: 'ip',
      points: limits.ipAttempts,
      duration: limits.ipWindowSeconds,
      // Once an IP is over its limit, this replica refuses it from memory until the window ends: a flood
      // from one address then costs the database nothing.
      inMemoryBlockOnConsumed: limits.ipAttempts + 1,
    });
    this.perAccount = new RateLimiterMongo({
      ...store,
      keyPrefix: 'account',
      points: limits.accountFailures,
      duration: limits.accountBlockSeconds,
    });
  }

  /**
   * Runs `attempt` (a signin or signup) under the throttle: refused with 429 before it runs when a limit
   * is reached; a BadRequestError it throws ("Invalid credentials", "Email in use") counts as a failure of
   * the pair; success clears the pair's failures when `resetOnSuccess` (signin).
   */
  async run<T>(key: AttemptKey, attempt: () => Promise<T>, { resetOnSuccess }: { resetOnSuccess: boolean }): Promise<T> {
    const hadFailures = await this.admit(key);
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (error instanceof BadRequestError) await this.recordFailure(key);
      throw error;
    }
    if (resetOnSuccess && hadFailures) await this.recordSuccess(key);
    return result;
  }

  /**
   * Throws TooManyAttemptsError (429, with its Retry-After) when this attempt may not run; counts it
   * against the IP. Resolves with whether the pair has failures on record (else there is none to clear).
   */
  async admit({ ip, email }: AttemptKey): Promise<boolean> {
    await this.burst.consume(ip).catch(rethrowAsTooMany);
    await this.perIp.consume(ip).catch(rethrowAsTooMany);
    const account = await this.perAccount.get(accountKey(ip, email));
    if (account && account.consumedPoints >= this.limits.accountFailures) throw tooMany(account);
    return account !== null;
  }

  /** Counts a failure for this email from this IP; the last one allowed starts the block. */
  async recordFailure({ ip, email }: AttemptKey): Promise<void> {
    const key = accountKey(ip, email);
    const result = await this.perAccount.consume(key).catch((rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return rejection;
      throw rejection;
    });
    if (result.consumedPoints === this.limits.accountFailures) await this.perAccount.block(key, this.limits.accountBlockSeconds);
  }

  /** A successful signin: the pair's failures are forgotten. */
  async recordSuccess({ ip, email }: AttemptKey): Promise<void> {
    await this.perAccount.delete(accountKey(ip, email));
  }
}

function accountKey(ip: string, email: string): string {
  return `${ip}|${email}`;
}

/** Retry-After in whole seconds, at least 1. */
function tooMany(result: RateLimiterRes): TooManyAttemptsError {
  return new TooManyAttemptsError(Math.max(1, Math.ceil(result.msBeforeNext / 1000)));
}

function rethrowAsTooMany(rejection: unknown): never {
  // The library rejects with a RateLimiterRes when the limit is reached, with an Error when the store fails.
  if (rejection instanceof RateLimiterRes) throw tooMany(rejection);
  throw rejection;
}
