import 'express-async-errors';
import { Logger } from '@ticketing/common/core';
import type { ServiceMetrics } from '@ticketing/common/metrics';
import { createServiceApp, httpSessionCheck, mongooseReadinessCheck, SessionCheck } from '@ticketing/common/http';
import { natsReadinessCheck } from '@ticketing/common/transport';
import type { Express } from 'express';
import type { TicketsConfig } from './config';
import { natsWrapper } from './nats-wrapper';
import { indexTicketRouter } from './routes/index';
import { createTicketRouter } from './routes/new';
import { showTicketRouter } from './routes/show';
import { updateTicketRouter } from './routes/update';

export type AppConfig = Pick<TicketsConfig, 'JWT_PUBLIC_KEY' | 'AUTH_URL' | 'COOKIE_SECURE'>;

/** The tickets HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(
  config: AppConfig,
  options: { logger?: Logger; sessionCheck?: SessionCheck; metrics?: ServiceMetrics } = {},
): Express {
  return createServiceApp(
    {
      session: { publicKey: config.JWT_PUBLIC_KEY, check: options.sessionCheck ?? httpSessionCheck(config.AUTH_URL) },
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck(), natsReadinessCheck(natsWrapper)],
      logger: options.logger,
      metrics: options.metrics,
    },
    (app) => {
      app.use(createTicketRouter());
      app.use(indexTicketRouter());
      app.use(showTicketRouter());
      app.use(updateTicketRouter());
    },
  );
}
