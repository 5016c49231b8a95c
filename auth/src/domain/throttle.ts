import { BadRequestError } from '@ticketing/common/http';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { ThrottleCounter } from '../models/throttle';
import { deviceKey } from './device-cookies';
import { TooManyAttemptsError } from './hash-queue';

// The store limiters have this method (lib/RateLimiterStoreAbstract.js; it reads the keys blocked in
// memory by `inMemoryBlockOnConsumed`), but the package's types do not declare it. The gate tests fail if
// it goes away.
declare module 'rate-limiter-flexible' {
  interface RateLimiterStoreAbstract {
    getInMemoryBlockMsBeforeExpire(rlKey: string): number;
  }
}

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
  /**
   * The id of the client's device cookie when it is valid for this email (a known device,
   * device-cookies.ts): then the device's failures count instead of the IP's attempts and the pair's.
   */
  device?: string;
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
 *
 * The burst is checked by `screen`, which the flood gate calls before the request's body is even read;
 * `run` does the rest. A known device (AttemptKey.device) is exempt from the per-IP limits, which a flood
 * from its address would otherwise use up; its own failures in a row are limited instead, like a pair's.
 */
export class SigninThrottle {
  private readonly burst: RateLimiterMemory;
  private readonly perIp: RateLimiterMongo;
  private readonly perAccount: RateLimiterMongo;
  private readonly perDevice: RateLimiterMongo;

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
    this.perDevice = new RateLimiterMongo({
      ...store,
      keyPrefix: 'device',
      points: limits.accountFailures,
      duration: limits.accountBlockSeconds,
      // A device cookie with too many failures is known in this replica's memory, so the flood gate
      // treats it as unknown without a database read.
      inMemoryBlockOnConsumed: limits.accountFailures,
    });
  }

  /**
   * The first, in-memory check of an attempt, before its body is read; costs no database command.
   * With a device cookie (its id) that this replica does not know to be locked, the device's burst is
   * checked and the id is returned: the attempt runs as a known device's. Otherwise the IP's burst, and
   * whether the IP is known in memory to be over its window's limit; resolves with undefined.
   * Refused with TooManyAttemptsError.
   */
  async screen(ip: string, device?: string): Promise<string | undefined> {
    if (device !== undefined && !this.deviceLocked(device)) {
      await this.burst.consume(deviceKey(device)).catch(rethrowAsTooMany);
      return device;
    }
    const blockedMs = this.perIp.getInMemoryBlockMsBeforeExpire(this.perIp.getKey(ip));
    if (blockedMs > 0) throw new TooManyAttemptsError(Math.max(1, Math.ceil(blockedMs / 1000)));
    await this.burst.consume(ip).catch(rethrowAsTooMany);
    return undefined;
  }

  /** Whether this replica knows from memory that the device cookie has used up its failures. */
  deviceLocked(device: string): boolean {
    return this.perDevice.getInMemoryBlockMsBeforeExpire(this.perDevice.getKey(device)) > 0;
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
   * against the IP (not a known device's). Resolves with whether the pair (or the device) has failures
   * on record (else there is none to clear).
   */
  async admit({ ip, email, device }: AttemptKey): Promise<boolean> {
    if (device) {
      const record = await this.perDevice.get(device);
      if (record && record.consumedPoints >= this.limits.accountFailures) throw tooMany(record);
      return record !== null;
    }
    // Both at once: under a flood every round trip to the database waits a full turn of the event loop.
    const [, account] = await Promise.all([this.perIp.consume(ip).catch(rethrowAsTooMany), this.perAccount.get(accountKey(ip, email))]);
    if (account && account.consumedPoints >= this.limits.accountFailures) throw tooMany(account);
    return account !== null;
  }

  /** Counts a failure for this email from this IP (or for the known device); the last one allowed starts the block. */
  async recordFailure({ ip, email, device }: AttemptKey): Promise<void> {
    const [limiter, key] = device ? [this.perDevice, device] : [this.perAccount, accountKey(ip, email)];
    const result = await limiter.consume(key).catch((rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return rejection;
      throw rejection;
    });
    if (result.consumedPoints === this.limits.accountFailures) await limiter.block(key, this.limits.accountBlockSeconds);
  }

  /** A successful signin: the pair's (or the device's) failures are forgotten. */
  async recordSuccess({ ip, email, device }: AttemptKey): Promise<void> {
    if (device) await this.perDevice.delete(device);
    else await this.perAccount.delete(accountKey(ip, email));
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
