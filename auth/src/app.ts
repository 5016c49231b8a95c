import 'express-async-errors';
import { Logger } from '@ticketing/common/core';
import { cachedSessionCheck, createServiceApp, mongooseReadinessCheck } from '@ticketing/common/http';
import type { Express } from 'express';
import type { AuthConfig } from './config';
import { configurePasswordHashing } from './domain/password';
import { loadCommonPasswords } from './domain/password-policy';
import { touchSession } from './domain/sessions';
import { currentUserRouter } from './routes/current-user';
import { sessionStatusRouter } from './routes/session-status';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

export type AppConfig = Pick<AuthConfig, 'JWT_PRIVATE_KEY' | 'JWT_PUBLIC_KEY' | 'JWT_TTL' | 'SESSION_IDLE_TIMEOUT' | 'COOKIE_SECURE'> &
  Partial<Pick<AuthConfig, 'PASSWORD_HASH_CONCURRENCY' | 'PASSWORD_HASH_QUEUE' | 'PASSWORD_HASH_QUEUE_PER_CLIENT' | 'PASSWORD_SCRYPT_LN'>>;

function configureHashing(config: AppConfig): void {
  configurePasswordHashing({
    params: config.PASSWORD_SCRYPT_LN === undefined ? undefined : { ln: config.PASSWORD_SCRYPT_LN, r: 8, p: 1 },
    queue: {
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      maxWaiting: config.PASSWORD_HASH_QUEUE,
      maxWaitingPerKey: config.PASSWORD_HASH_QUEUE_PER_CLIENT,
    },
  });
}

/** The auth HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: { logger?: Logger } = {}): Express {
  configureHashing(config);
  loadCommonPasswords();
  const session = { privateKey: config.JWT_PRIVATE_KEY, jwtTtl: config.JWT_TTL };
  const idleSeconds = config.SESSION_IDLE_TIMEOUT;
  // auth asks its own store, with the same short cache the other services keep; signout clears its entry.
  const check = cachedSessionCheck((jti) => touchSession(jti, idleSeconds));
  return createServiceApp(
    {
      session: { publicKey: config.JWT_PUBLIC_KEY, check },
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck()],
      logger: options.logger,
    },
    (app) => {
      app.use(currentUserRouter());
      app.use(sessionStatusRouter({ idleSeconds }));
      app.use(signinRouter(session));
      app.use(signoutRouter({ publicKey: config.JWT_PUBLIC_KEY, onRevoked: (jti) => check.forget(jti) }));
      app.use(signupRouter(session));
    },
  );
}
