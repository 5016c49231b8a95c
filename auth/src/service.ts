import { LifecycleHook, Logger, logger as defaultLogger } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { ServiceMetrics } from '@ticketing/common/metrics';
import { createApp } from './app';
import { AuthConfig, loadConfig } from './config';
import { Session } from './models/session';
import { ThrottleCounter } from './models/throttle';
import { User } from './models/user';

export interface AuthServiceOptions {
  /** Default: the environment. */
  loadConfig?: () => AuthConfig;
  logger?: Logger;
}

/** Creates the users, sessions and throttle collections and their indexes before the first signup. */
function collectionsHook(): LifecycleHook {
  return {
    name: 'collections',
    start: async () => {
      await User.init();
      await Session.init();
      await ThrottleCounter.init();
    },
    stop: () => undefined,
  };
}

/** The auth service as `runService`/`startService` run it: MongoDB, then the collections; stopped in reverse. */
export function authService(options: AuthServiceOptions = {}): ServiceDefinition<AuthConfig> {
  const logger = options.logger ?? defaultLogger;
  const metrics = new ServiceMetrics({ logger });
  return {
    name: 'auth',
    logger,
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger, metrics }),
    hooks: (config) => [mongooseHook(config.MONGO_URI), collectionsHook()],
  };
}
