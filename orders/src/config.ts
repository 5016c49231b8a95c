import { validateConfig } from '@ticketing/common/core';
import { httpConfigSpec, mongoConfigSpec, sessionCheckConfigSpec } from '@ticketing/common/http';
import { natsConfigSpec } from '@ticketing/common/transport';
import { makeValidator } from 'envalid';

/** A whole number of at least `min`. */
const intAtLeast = (min: number) =>
  makeValidator<number>((input) => {
    const value = Number(input);
    if (!Number.isSafeInteger(value) || value < min || input.trim() === '') throw new Error(`must be a whole number of at least ${min}`);
    return value;
  });

/** MAX_ACTIVE_ORDERS_PER_USER's default. */
export const DEFAULT_MAX_ACTIVE_ORDERS_PER_USER = 5;

/** Every variable orders reads; those without a `default` (JWT_PUBLIC_KEY, AUTH_URL, MONGO_URI, NATS_URL) are required. */
export const configSpec = {
  ...httpConfigSpec,
  ...sessionCheckConfigSpec,
  ...mongoConfigSpec,
  ...natsConfigSpec,
  EXPIRATION_WINDOW_SECONDS: intAtLeast(1)({ default: 900, desc: 'Seconds an order holds its ticket before it expires' }),
  EXPIRATION_SWEEP_INTERVAL_MS: intAtLeast(50)({ default: 1000, desc: 'How often the expiry sweeper looks for expired orders' }),
  MAX_ACTIVE_ORDERS_PER_USER: intAtLeast(1)({
    default: DEFAULT_MAX_ACTIVE_ORDERS_PER_USER,
    desc: 'How many unpaid orders holding a ticket (created, awaiting:payment) one buyer may have at once',
  }),
};

/** Validates the environment; throws an Error naming each missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return validateConfig(configSpec, env);
}

export type OrdersConfig = ReturnType<typeof loadConfig>;
