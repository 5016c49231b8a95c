import 'express-async-errors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieSession from 'cookie-session';
import express, { Express, Request, RequestHandler } from 'express';
import type { ErrorResponseBody } from './errors/custom-error';
import { logger as defaultLogger, Logger } from '../core/logger';
import { currentUser } from './middlewares/current-user';
import { createErrorHandler } from './middlewares/error-handler';
import { notFoundRoute } from './middlewares/not-found-route';
import { requestLogger } from './middlewares/request-logger';
import { metricsRoute, requestDurationMetrics } from './middlewares/request-metrics';
import type { ServiceMetrics } from '../metrics';
import { securityHeaders } from './security-headers';
import type { ReadinessCheck } from '../core/lifecycle';
import { sessionCookieName } from './session';
import type { SessionCheck } from './session-check';

export interface ServiceAppOptions {
  /**
   * How sessions are verified: the service's JWT_PUBLIC_KEY (SPKI PEM) and whether a session is still
   * active (`httpSessionCheck(AUTH_URL)`, or auth's own store). Without it nobody is ever signed in.
   */
  session?: { publicKey: string; check: SessionCheck };
  /** COOKIE_SECURE: send the session cookie over HTTPS only (behind the ingress, via X-Forwarded-Proto). */
  cookieSecure: boolean;
  /** Dependencies `/readyz` checks, e.g. `[mongooseReadinessCheck()]`. */
  readinessChecks?: readonly ReadinessCheck[];
  /** Largest JSON body accepted; larger ones get 413. Default `100kb`. */
  jsonBodyLimit?: string | number;
  /** Express `trust proxy`. Default true: services run behind the ingress, which sets X-Forwarded-*. */
  trustProxy?: boolean | number | string;
  logger?: Logger;
  /**
   * Handlers mounted after the security headers (and the request timer) and before the request log, body
   * parsing and sessions: for work that must cost as little as possible per request, such as auth's
   * flood gate, which refuses a flood's signins before anything else is spent on them.
   */
  beforeRequestLog?: readonly RequestHandler[];
  /** The service's metrics: every request is timed and `GET /metrics` serves them. Without it, neither. */
  metrics?: ServiceMetrics;
}

/** A JSON body whose bytes are not valid UTF-8 is a 400, never silently turned into U+FFFD. */
function rejectInvalidUtf8(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase().replace('-', '') !== 'utf8') return;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw Object.assign(new Error('Request body is not valid UTF-8'), { status: 400, type: 'entity.charset.invalid' });
  }
}

async function failedChecks(checks: readonly ReadinessCheck[], req: Request): Promise<string[]> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        return (await check()) ? null : name;
      } catch (error) {
        req.log.warn({ err: error, check: name }, 'Readiness check failed');
        return name;
      }
    }),
  );
  return results.filter((name): name is string => name !== null);
}

/**
 * The Express app every service shares, in order: trust proxy, the request timer (with `metrics`),
 * security headers (`security-headers.ts`, `Cache-Control: no-store` included), `GET /metrics` (with
 * `metrics`), request ids and logging, JSON body (size-limited, UTF-8 only),
 * cookie-session (`session`, or `__Host-session` when Secure; unsigned, httpOnly), `currentUser`, `GET /healthz` (200
 * `{status: 'ok'}`), `GET /readyz` (200 `{status: 'ok'}` or 503 naming each failed check), then the
 * service's own routes (`mountRoutes`), then 404 for anything unmatched and the error handler.
 * Creating the app connects nothing and listens nowhere.
 */
export function createServiceApp(options: ServiceAppOptions, mountRoutes: (app: Express) => void): Express {
  const logger = options.logger ?? defaultLogger;
  const readinessChecks = options.readinessChecks ?? [];
  const app = express();

  app.set('trust proxy', options.trustProxy ?? true);
  app.disable('x-powered-by');
  if (options.metrics) app.use(requestDurationMetrics(options.metrics.httpRequestDuration));
  app.use(securityHeaders());
  // Before the request log, body parsing and sessions: a scrape every few seconds needs none of them.
  if (options.metrics) app.get('/metrics', metricsRoute(options.metrics));
  for (const handler of options.beforeRequestLog ?? []) app.use(handler);
  app.use(requestLogger({ logger }));
  app.use(express.json({ limit: options.jsonBodyLimit ?? '100kb', verify: rejectInvalidUtf8 }));
  app.use(
    cookieSession({
      name: sessionCookieName(options.cookieSecure),
      signed: false,
      httpOnly: true,
      sameSite: 'lax',
      secure: options.cookieSecure,
    }),
  );
  if (options.session) app.use(currentUser({ publicKey: options.session.publicKey, sessionCheck: options.session.check }));

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    const failed = await failedChecks(readinessChecks, req);
    if (failed.length === 0) {
      res.status(200).json({ status: 'ok' });
      return;
    }
    const body: ErrorResponseBody = { errors: failed.map((name) => ({ message: `${name} is not ready` })) };
    res.status(503).json(body);
  });

  mountRoutes(app);

  app.all('*', notFoundRoute);
  app.use(createErrorHandler({ logger }));
  return app;
}
