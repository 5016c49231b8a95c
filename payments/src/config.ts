import { makeValidator } from 'envalid';
import { nonEmptyStr, validateConfig } from '@ticketing/common/core';
import { httpConfigSpec, mongoConfigSpec, sessionCheckConfigSpec } from '@ticketing/common/http';
import { natsConfigSpec } from '@ticketing/common/transport';

/** An http:// or https:// URL with a host (the local Stripe-compatible server in tests and `npm start`). */
const httpUrl = makeValidator<string>((input) => {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http:// or https:// URL');
  return input;
});

/** A positive whole number of milliseconds. */
const positiveMs = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error('must be a positive whole number of milliseconds');
  return value;
});

/** A three-letter ISO currency code, stored lower case as Stripe wants it. */
const currency = makeValidator<string>((input) => {
  if (!/^[a-z]{3}$/i.test(input.trim())) throw new Error('must be a three-letter currency code such as usd');
  return input.trim().toLowerCase();
});

/** Every variable payments reads; those without a `default` are required. */
export const configSpec = {
  ...httpConfigSpec,
  ...sessionCheckConfigSpec,
  ...mongoConfigSpec,
  ...natsConfigSpec,
  STRIPE_SECRET_KEY: nonEmptyStr({ desc: 'Stripe secret key (sk_test_… in development)' }),
  STRIPE_API_URL: httpUrl({ default: undefined, desc: 'Where the Stripe API is, e.g. http://127.0.0.1:12111 (unset: Stripe itself)' }),
  PAYMENTS_CURRENCY: currency({ default: 'usd', desc: 'ISO currency code, lower case, of every charge' }),
  RECONCILE_INTERVAL_MS: positiveMs({ default: 30_000, desc: 'How often pending payment claims are reconciled with Stripe' }),
};

/** Validates the environment; throws an Error naming each missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return validateConfig(configSpec, env);
}

export type PaymentsConfig = ReturnType<typeof loadConfig>;
