import 'express-async-errors';
import { Logger } from '@ticketing/common/core';
import { createServiceApp, mongooseReadinessCheck } from '@ticketing/common/http';
import { natsReadinessCheck } from '@ticketing/common/transport';
import type { Express } from 'express';
import type { OrdersConfig } from './config';
import { natsWrapper } from './nats-wrapper';
import { cancelOrderRouter } from './routes/cancel-order';
import { createOrderRouter } from './routes/create-order';
import { listOrdersRouter } from './routes/list-orders';
import { showOrderRouter } from './routes/show-order';

export type AppConfig = Pick<OrdersConfig, 'JWT_KEY' | 'COOKIE_SECURE' | 'EXPIRATION_WINDOW_SECONDS'>;

/** The orders HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
export function createApp(config: AppConfig, options: { logger?: Logger } = {}): Express {
  return createServiceApp(
    {
      jwtKey: config.JWT_KEY,
      cookieSecure: config.COOKIE_SECURE,
      readinessChecks: [mongooseReadinessCheck(), natsReadinessCheck(natsWrapper)],
      logger: options.logger,
    },
    (app) => {
      app.use(createOrderRouter({ expirationWindowSeconds: config.EXPIRATION_WINDOW_SECONDS }));
      app.use(listOrdersRouter());
      app.use(showOrderRouter());
      app.use(cancelOrderRouter());
    },
  );
}
