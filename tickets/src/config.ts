import { validateConfig } from '@ticketing/common/core';
import { httpConfigSpec, mongoConfigSpec, sessionCheckConfigSpec } from '@ticketing/common/http';
import { natsConfigSpec } from '@ticketing/common/transport';

/** Every variable tickets reads; those without a `default` (JWT_PUBLIC_KEY, AUTH_URL, MONGO_URI, NATS_URL) are required. */
export const configSpec = {
  ...httpConfigSpec,
  ...sessionCheckConfigSpec,
  ...mongoConfigSpec,
  ...natsConfigSpec,
};

/** Validates the environment; throws an Error naming each missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return validateConfig(configSpec, env);
}

export type TicketsConfig = ReturnType<typeof loadConfig>;
