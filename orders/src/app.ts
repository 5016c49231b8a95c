import 'express-async-errors';
import { Logger } from '@ticketing/common/core';
import type { ServiceMetrics } from '@ticketing/common/metrics';
import { createServiceApp, httpSessionCheck, mongooseReadinessCheck, SessionCheck } from '@ticketing/common/http';
import { natsReadinessCheck } from '@ticketing/common/transport';
import type { Express } from 'express';
import { DEFAULT_MAX_ACTIVE_ORDERS_PER_USER, type OrdersConfig } from './config';
import { natsWrapper } from './nats-wrapper';
import { cancelOrderRouter } from './routes/cancel-order';
import { createOrderRouter } from './routes/create-order';
import { listOrdersRouter } from './routes/list-orders';
import { showOrderRouter } from './routes/show-order';

export type AppConfig = Pick<OrdersConfig, 'JWT_PUBLIC_KEY' | 'AUTH_URL' | 'COOKIE_SECURE' | 'EXPIRATION_WINDOW_SECONDS'> &
  Partial<Pick<OrdersConfig, 'MAX_ACTIVE_ORDERS_PER_USER'>>;

/** The orders HTTP app. Connects nothing and listens nowhere: `src/service.ts` does that. */
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
      app.use(
        createOrderRouter({
          expirationWindowSeconds: config.EXPIRATION_WINDOW_SECONDS,
          maxActiveOrders: config.MAX_ACTIVE_ORDERS_PER_USER ?? DEFAULT_MAX_ACTIVE_ORDERS_PER_USER,
        }),
      );
      app.use(listOrdersRouter());
      app.use(showOrderRouter());
      app.use(cancelOrderRouter());
    },
  );
}
