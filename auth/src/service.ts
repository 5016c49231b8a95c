import { LifecycleHook, Logger, logger as defaultLogger } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { createApp } from './app';
import { AuthConfig, loadConfig } from './config';
import { Session } from './models/session';
import { User } from './models/user';

export interface AuthServiceOptions {
  /** Default: the environment. */
  loadConfig?: () => AuthConfig;
  logger?: Logger;
}

/** Creates the users and sessions collections and their unique indexes before the first signup. */
function collectionsHook(): LifecycleHook {
  return {
    name: 'collections',
    start: async () => {
      await User.init();
      await Session.init();
    },
    stop: () => undefined,
  };
}

/** The auth service as `runService`/`startService` run it: MongoDB, then the collections; stopped in reverse. */
export function authService(options: AuthServiceOptions = {}): ServiceDefinition<AuthConfig> {
  const logger = options.logger ?? defaultLogger;
  return {
    name: 'auth',
    logger,
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger }),
    hooks: (config) => [mongooseHook(config.MONGO_URI), collectionsHook()],
  };
}
