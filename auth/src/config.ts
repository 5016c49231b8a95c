import { createPublicKey } from 'node:crypto';
import { durationSeconds, validateConfig } from '@ticketing/common/core';
import { httpConfigSpec, mongoConfigSpec, publicKeyPemOf, sessionSigningConfigSpec } from '@ticketing/common/http';
import { makeValidator, str } from 'envalid';

/** A whole number within [min, max]. */
const intWithin = (min: number, max: number) =>
  makeValidator<number>((input) => {
    const value = Number(input);
    if (input.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  });

/** Every variable auth reads; those without a `default` (JWT_PRIVATE_KEY, MONGO_URI) are required. */
export const configSpec = {
  ...httpConfigSpec,
  ...mongoConfigSpec,
  ...sessionSigningConfigSpec,
  // auth derives its public key from JWT_PRIVATE_KEY; when JWT_PUBLIC_KEY is given too it must match.
  JWT_PUBLIC_KEY: str({ default: '', desc: 'PEM public key; optional in auth (derived from JWT_PRIVATE_KEY)' }),
  PASSWORD_HASH_CONCURRENCY: intWithin(
    1,
    64,
  )({ default: 2, desc: 'Signin/signup attempts (each with its password hash) that run at once per replica' }),
  PASSWORD_HASH_QUEUE: intWithin(0, 10_000)({ default: 8, desc: 'Signin/signup attempts that may wait; more are refused with 429' }),
  PASSWORD_HASH_QUEUE_PER_CLIENT: intWithin(1, 1000)({ default: 4, desc: 'Signin/signup attempts one client IP may have waiting' }),
  // argon2id for new hashes; OWASP's floor (19 MiB, 2 passes) is also the lowest accepted.
  PASSWORD_ARGON2_MEMORY_KIB: intWithin(19_456, 1_048_576)({ default: 19_456, desc: 'argon2id memory per new hash, in KiB' }),
  PASSWORD_ARGON2_TIME_COST: intWithin(2, 10)({ default: 2, desc: 'argon2id passes per new hash' }),
  // The signin and signup throttle (rate-limiter-flexible on auth's MongoDB, shared by every replica).
  THROTTLE_IP_ATTEMPTS: intWithin(1, 1_000_000)({ default: 50, desc: 'Signins and signups one client IP may send per THROTTLE_IP_WINDOW' }),
  THROTTLE_IP_WINDOW: durationSeconds({ default: 15 * 60, desc: 'The window of THROTTLE_IP_ATTEMPTS, e.g. 15m' }),
  THROTTLE_IP_BURST: intWithin(
    1,
    1_000_000,
  )({ default: 10, desc: 'Signins and signups one client IP may start per second at one replica' }),
  THROTTLE_ACCOUNT_FAILURES: intWithin(
    1,
    1_000_000,
  )({
    default: 5,
    desc: 'Failures in a row for one email from one client IP before that pair is blocked',
  }),
  THROTTLE_ACCOUNT_BLOCK: durationSeconds({
    default: 15 * 60,
    desc: 'How long an email and client IP pair is blocked, and how long its failures count, e.g. 15m',
  }),
  // req.ip is the address this many proxies back in X-Forwarded-For (the ingress, or the local gateway).
  TRUST_PROXY_HOPS: intWithin(0, 10)({ default: 1, desc: 'Proxies in front of auth whose X-Forwarded-For is trusted' }),
};

/** Validates the environment; throws an Error naming each missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = validateConfig(configSpec, env);
  const derived = publicKeyPemOf(config.JWT_PRIVATE_KEY);
  if (config.JWT_PUBLIC_KEY && derived !== normalizedPublicKey(config.JWT_PUBLIC_KEY)) {
    throw new Error('Invalid configuration: JWT_PUBLIC_KEY does not match JWT_PRIVATE_KEY');
  }
  return { ...config, JWT_PUBLIC_KEY: derived };
}

function normalizedPublicKey(pem: string): string {
  try {
    return createPublicKey(pem.replace(/\\n/g, '\n')).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return '';
  }
}

export type AuthConfig = ReturnType<typeof loadConfig>;
