import 'express-async-errors';
import { Logger } from '@ticketing/common/core';
import { createServiceApp, mongooseReadinessCheck } from '@ticketing/common/http';
import type { Express } from 'express';
import type { AuthConfig } from './config';
import { currentUserRouter } from './routes/current-user';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

export type AppConfig = Pick<AuthConfig, 'JWT_KEY' | 'JWT_TTL' | 'COOKIE_SECURE'>;

/** The auth HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: { logger?: Logger } = {}): Express {
  const session = { jwtKey: config.JWT_KEY, jwtTtl: config.JWT_TTL };
  return createServiceApp(
    {
      jwtKey: config.JWT_KEY,
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck()],
      logger: options.logger,
    },
    (app) => {
      app.use(currentUserRouter());
      app.use(signinRouter(session));
      app.use(signoutRouter());
      app.use(signupRouter(session));
    },
  );
}
