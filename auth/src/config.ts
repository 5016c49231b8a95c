import { createPublicKey } from 'node:crypto';
import { validateConfig } from '@ticketing/common/core';
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
  PASSWORD_HASH_CONCURRENCY: intWithin(1, 64)({ default: 2, desc: 'Password hashes that run at once per replica' }),
  PASSWORD_HASH_QUEUE: intWithin(0, 10_000)({ default: 64, desc: 'Password hashes that may wait; more are refused with 429' }),
  PASSWORD_HASH_QUEUE_PER_CLIENT: intWithin(1, 1000)({ default: 4, desc: 'Password hashes one client IP may have waiting' }),
  PASSWORD_SCRYPT_LN: intWithin(14, 20)({ default: 15, desc: 'log2 of scrypt N for new password hashes (r=8, p=1)' }),
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
