import { validateConfig } from '@ticketing/common/core';
import { httpConfigSpec, mongoConfigSpec } from '@ticketing/common/http';

/** Every variable auth reads; those without a `default` (JWT_KEY, MONGO_URI) are required. */
export const configSpec = {
  ...httpConfigSpec,
  ...mongoConfigSpec,
};

/** Validates the environment; throws an Error naming each missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return validateConfig(configSpec, env);
}

export type AuthConfig = ReturnType<typeof loadConfig>;
