import 'express-async-errors';
import { Logger, logger as defaultLogger } from '@ticketing/common/core';
import type { ServiceMetrics } from '@ticketing/common/metrics';
import { cachedSessionCheck, createServiceApp, mongooseReadinessCheck } from '@ticketing/common/http';
import type { Express } from 'express';
import type { AuthConfig } from './config';
import { DeviceCookies } from './domain/device-cookies';
import { configurePasswordHashing, DEFAULT_ARGON2_PARAMS } from './domain/password';
import { loadCommonPasswords } from './domain/password-policy';
import { touchSession } from './domain/sessions';
import { DEFAULT_THROTTLE_LIMITS, SigninThrottle } from './domain/throttle';
import { attemptGate } from './routes/attempt-gate';
import { currentUserRouter } from './routes/current-user';
import { sessionStatusRouter } from './routes/session-status';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

type Optional = Pick<
  AuthConfig,
  | 'PASSWORD_HASH_CONCURRENCY'
  | 'PASSWORD_HASH_QUEUE'
  | 'PASSWORD_HASH_QUEUE_PER_CLIENT'
  | 'PASSWORD_ARGON2_MEMORY_KIB'
  | 'PASSWORD_ARGON2_TIME_COST'
  | 'THROTTLE_IP_ATTEMPTS'
  | 'THROTTLE_IP_WINDOW'
  | 'THROTTLE_IP_BURST'
  | 'THROTTLE_ACCOUNT_FAILURES'
  | 'THROTTLE_ACCOUNT_BLOCK'
  | 'TRUST_PROXY_HOPS'
>;

/** What the app needs; what is left out takes the config's default. */
export type AppConfig = Pick<AuthConfig, 'JWT_PRIVATE_KEY' | 'JWT_PUBLIC_KEY' | 'JWT_TTL' | 'SESSION_IDLE_TIMEOUT' | 'COOKIE_SECURE'> &
  Partial<Optional>;

function configureHashing(config: AppConfig): void {
  configurePasswordHashing({
    params: {
      memoryCost: config.PASSWORD_ARGON2_MEMORY_KIB ?? DEFAULT_ARGON2_PARAMS.memoryCost,
      timeCost: config.PASSWORD_ARGON2_TIME_COST ?? DEFAULT_ARGON2_PARAMS.timeCost,
      parallelism: DEFAULT_ARGON2_PARAMS.parallelism,
    },
    queue: {
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      maxWaiting: config.PASSWORD_HASH_QUEUE,
      maxWaitingPerKey: config.PASSWORD_HASH_QUEUE_PER_CLIENT,
    },
  });
}

function signinThrottle(config: AppConfig): SigninThrottle {
  const defaults = DEFAULT_THROTTLE_LIMITS;
  return new SigninThrottle({
    ipAttempts: config.THROTTLE_IP_ATTEMPTS ?? defaults.ipAttempts,
    ipWindowSeconds: config.THROTTLE_IP_WINDOW ?? defaults.ipWindowSeconds,
    ipBurstPerSecond: config.THROTTLE_IP_BURST ?? defaults.ipBurstPerSecond,
    accountFailures: config.THROTTLE_ACCOUNT_FAILURES ?? defaults.accountFailures,
    accountBlockSeconds: config.THROTTLE_ACCOUNT_BLOCK ?? defaults.accountBlockSeconds,
  });
}

/** How long auth's own session lookup may take before the caller counts as signed out (as httpSessionCheck's default). */
const SESSION_LOOKUP_TIMEOUT_MS = 1500;

/** The auth HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: { logger?: Logger; metrics?: ServiceMetrics } = {}): Express {
  configureHashing(config);
  loadCommonPasswords();
  const devices = new DeviceCookies(config.JWT_PRIVATE_KEY, config.COOKIE_SECURE);
  const session = { privateKey: config.JWT_PRIVATE_KEY, jwtTtl: config.JWT_TTL, devices };
  const idleSeconds = config.SESSION_IDLE_TIMEOUT;
  const throttle = signinThrottle(config);
  // auth asks its own store, with the same short cache the other services keep; signout clears its
  // entry. A store that does not answer within the other services' timeout for asking auth means
  // signed out, rather than a request held until the driver gives up.
  const check = cachedSessionCheck((jti) => touchSession(jti, idleSeconds), { lookupTimeoutMs: SESSION_LOOKUP_TIMEOUT_MS });
  return createServiceApp(
    {
      session: { publicKey: config.JWT_PUBLIC_KEY, check },
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck()],
      trustProxy: config.TRUST_PROXY_HOPS ?? 1,
      beforeRequestLog: [attemptGate(throttle, devices, options.logger ?? defaultLogger)],
      logger: options.logger,
      metrics: options.metrics,
    },
    (app) => {
      app.use(currentUserRouter());
      app.use(sessionStatusRouter({ idleSeconds }));
      app.use(signinRouter(session, throttle));
      app.use(signoutRouter({ publicKey: config.JWT_PUBLIC_KEY, onRevoked: (jti) => check.forget(jti) }));
      app.use(signupRouter(session, throttle));
    },
  );
}
